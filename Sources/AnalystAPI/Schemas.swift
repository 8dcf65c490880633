/// The contract's schemas (`#/components/schemas` of openapi.yaml), e.g. `Schemas.CatalogTable`.
public typealias Schemas = Components.Schemas
