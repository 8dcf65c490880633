import AnalystCore
import Hummingbird

/// `GET /api/health`: liveness and a summary of the system database, without authentication.
///
/// It only touches the system database's own pool (bounded by a timeout), never the query pool, so it answers
/// while analysts' queries keep every query connection busy.
struct HealthController<Context: RequestContext> {
    let check: HealthCheck

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("health") { _, _ in
            await check.report()
        }
    }
}

extension HealthReport: ResponseEncodable {}
