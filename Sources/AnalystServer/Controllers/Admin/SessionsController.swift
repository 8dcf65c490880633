import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `GET /api/admin/sessions?user=&page=&per_page=` (admin): the index of uploaded session transcripts.
struct SessionsController {
    let sessions: SessionTranscripts

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("sessions") { request, _ -> WireResponse<Schemas.SessionTranscriptList> in
            let query = request.uri.queryParameters
            let paging = try MemoryController.paging(query)
            let user = query["user"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let (entries, total) = try await sessions.list(
                userEmail: user, limit: paging.perPage, offset: (paging.page - 1) * paging.perPage)
            return WireResponse(
                .init(
                    sessions: entries.map {
                        .init(
                            userId: $0.userID, user: $0.userEmail, file: $0.fileName, sizeBytes: $0.sizeBytes,
                            firstEventAt: $0.firstEventAt, lastEventAt: $0.lastEventAt, redactions: $0.redactions,
                            uploadedAt: $0.uploadedAt)
                    }, total: total, page: paging.page, perPage: paging.perPage))
        }
    }
}
