import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A tiny HTTP client for tests that talk to a real server process.
public enum HTTP {
    /// GETs `url`; returns the body and the status code.
    public static func get(_ url: URL, headers: [String: String] = [:]) async throws -> (Data, Int) {
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// Sends `method` to `url` with an optional JSON object or raw body; returns the body and the status code.
    public static func send(
        _ method: String, _ url: URL, token: String? = nil, json: Any? = nil, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> (Data, Int) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        } else if let body {
            request.httpBody = body
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// `send`, decoding the answer as a JSON object (empty when it is not one).
    public static func object(
        _ method: String, _ url: URL, token: String? = nil, json: Any? = nil, body: Data? = nil
    ) async throws -> ([String: Any], Int) {
        let (data, status) = try await send(method, url, token: token, json: json, body: body)
        return ((try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:], status)
    }
}
