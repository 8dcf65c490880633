import AnalystAPI
import AnalystCore
import Hummingbird

/// `GET /api/health`: a summary of the system database, without authentication; `GET /api/health/live` (liveness:
/// the process answers) and `GET /api/health/ready` (readiness: it should receive traffic) for load balancers.
///
/// They only touch the system database's own pool (bounded by a timeout), never the query pool, so they answer
/// while analysts' queries keep every query connection busy. See docs/operations.md, "Health checks".
struct HealthController<Context: RequestContext> {
    let check: HealthCheck

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("health") { _, _ in
            await check.report()
        }
        group.get("health/live") { _, _ in
            WireResponse(Schemas.HealthProbe(status: .alive, detail: nil))
        }
        group.get("health/ready") { _, _ in
            guard let reason = await check.readiness() else { return WireResponse(Schemas.HealthProbe(status: .ready, detail: nil)) }
            return WireResponse(
                Schemas.HealthProbe(status: check.isStarting() ? .starting : .unavailable, detail: reason),
                status: .serviceUnavailable)
        }
    }
}

extension HealthReport: ResponseEncodable {}
