import AnalystCore
import Foundation
import Hummingbird

/// A user as the API shows it: `{"id","email","name","role","created_at"}` (never the password hash).
struct UserResponse: ResponseEncodable, Equatable {
    var id: String
    var email: String
    var name: String?
    var role: Role
    var created_at: String?

    init(_ user: User) {
        id = user.id
        email = user.email
        name = user.name
        role = user.role
        created_at = user.createdAt?.apiTimestamp
    }
}
