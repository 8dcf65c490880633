import DACommands

/// `da`, the analysts' CLI: the command tree is in DACommands.
@main
enum DA {
    static func main() async {
        await DACommand.main()
    }
}
