import ArgumentParser

/// `-y/--yes` of the commands that delete something.
struct ConfirmationOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var yes = false
}
