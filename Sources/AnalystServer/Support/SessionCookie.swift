import Foundation
import Hummingbird

/// The cookies the server sets on browsers: HttpOnly, SameSite=Lax, and Secure when the public URL is https.
enum SessionCookie {
    /// The signed-in session: `access_token=<JWT>` for the whole site, as long as the token lives.
    static func signedIn(token: String, lifetime: Duration, publicURL: String?) -> Cookie {
        Cookie(
            name: "access_token", value: token, maxAge: Int(lifetime.components.seconds), path: "/",
            secure: isSecure(publicURL), httpOnly: true, sameSite: .lax)
    }

    /// A short-lived cookie scoped to `path` (e.g. a sign-in attempt's state).
    static func scoped(name: String, value: String, path: String, maxAge: Int, publicURL: String?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: isSecure(publicURL), httpOnly: true, sameSite: .lax)
    }

    /// Tells the browser to forget cookie `name` at `path`.
    static func expired(name: String, path: String, publicURL: String?) -> Cookie {
        scoped(name: name, value: "", path: path, maxAge: 0, publicURL: publicURL)
    }

    static func isSecure(_ publicURL: String?) -> Bool {
        publicURL?.lowercased().hasPrefix("https://") == true
    }
}
