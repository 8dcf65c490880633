import ArgumentParser

extension Admin.Tables {
    /// `da admin tables upload`.
    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upload",
            abstract: "Upload a CSV or parquet file as a table's data (replacing it); the table must be of the files source.",
            discussion: "The format comes from the extension (.csv, .parquet), else from the content. Returns once it is published.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's id.")
        var id: String

        @Argument(help: "The file to upload.", completion: .file(extensions: ["csv", "parquet"]))
        var file: String

        func run() async throws {
            try await reportingAdminErrors(notFound: Advice.seeTables) {
                let answer = try await options.adminClient().upload(tableID: id, file: file)
                if options.json { return JSONOutput.print(answer) }
                let upload = answer.value
                print("Uploaded \(file) to \(id): \(upload.rows) rows, \(upload.sizeBytes) bytes of parquet")
                print("Columns: \(upload.columns.map { "\($0.name) \($0._type)" }.joined(separator: ", "))")
            }
        }
    }
}
