import AnalystClient
import Testing

struct ClientEnvironmentTests {
    @Test func configDirectoryFollowsPrecedence() {
        let home = "/home/ana"
        #expect(
            ClientEnvironment(
                environment: ["DA_CONFIG_DIR": "/etc/da", "XDG_CONFIG_HOME": "/x"], currentDirectory: "/w", homeDirectory: home
            )
            .configDirectory == "/etc/da")
        #expect(
            ClientEnvironment(environment: ["XDG_CONFIG_HOME": "/x"], currentDirectory: "/w", homeDirectory: home)
                .configDirectory == "/x/da")
        #expect(
            ClientEnvironment(environment: ["DA_CONFIG_DIR": ""], currentDirectory: "/w", homeDirectory: home)
                .configDirectory == "/home/ana/.config/da")
    }

    @Test func workspaceIsLocalDirOrCurrentDirectory() {
        #expect(
            ClientEnvironment(environment: ["DA_LOCAL_DIR": "/data/ws"], currentDirectory: "/w", homeDirectory: "/h").workspace
                == "/data/ws")
        #expect(ClientEnvironment(environment: [:], currentDirectory: "/w", homeDirectory: "/h").workspace == "/w")
    }

    @Test func serverURLFollowsPrecedence() {
        #expect(
            ClientEnvironment.serverURL(flag: "https://a/", environment: ["DA_SERVER": "https://b"], configured: "https://c") == "https://a"
        )
        #expect(ClientEnvironment.serverURL(flag: nil, environment: ["DA_SERVER": "https://b"], configured: "https://c") == "https://b")
        #expect(ClientEnvironment.serverURL(flag: nil, environment: [:], configured: "https://c") == "https://c")
        #expect(ClientEnvironment.serverURL(flag: nil, environment: ["DA_SERVER": ""], configured: nil) == "http://localhost:8000")
        // A token belongs to the server that issued it: it beats config.yaml, not the flag or DA_SERVER.
        #expect(
            ClientEnvironment.serverURL(flag: nil, environment: [:], loggedIn: "https://issuer/", configured: "https://c")
                == "https://issuer")
        #expect(
            ClientEnvironment.serverURL(flag: nil, environment: ["DA_SERVER": "https://b"], loggedIn: "https://issuer", configured: nil)
                == "https://b")
        #expect(
            ClientEnvironment.serverURL(flag: "https://a", environment: [:], loggedIn: "https://issuer", configured: nil) == "https://a")
    }
}
