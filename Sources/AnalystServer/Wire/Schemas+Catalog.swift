import AnalystAPI
import Connectors

extension Schemas.CatalogEnrichment {
    /// What OpenMetadata says about a table, as the contract carries it.
    init(_ data: CatalogTableData) {
        self.init(
            fqn: data.fqn, description: data.description, tags: data.tags, owners: data.owners, tier: data.tier,
            catalogUrl: data.catalogURL,
            columns: data.columns.map { column in
                Schemas.CatalogColumnEnrichment(
                    name: column.name, dataType: column.dataType, description: column.description, tags: column.tags)
            })
    }
}
