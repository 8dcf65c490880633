import CMalloc
import Testing

@testable import AnalystServer

#if canImport(Glibc)
    import Glibc

    /// The server's fixed heap thresholds: a block of 1 MB or more gets its own mapping (given back when freed) even after
    /// a larger block was freed, which by default raises glibc's threshold to that block's size.
    ///
    /// Each case runs in a process of its own (an exit test): in the test process, other tests allocate at the same
    /// time, and a free block they left in an arena can serve the request before any mapping is considered.
    struct HeapSettingsTests {
        @Test func blocksFromOneMegabyteUpAreMappedAfterALargerOneWasFreed() async {
            await #expect(processExitsWith: .success) {
                guard HeapSettings.apply() else { exit(2) }
                exit(HeapSettingsTests.twoMegabytesMappedAfterSixteenFreed() ? EXIT_SUCCESS : EXIT_FAILURE)
            }
        }

        /// The control: with glibc's defaults the same block comes from the heap, so the test above can fail.
        @Test func withGlibcsDefaultsTheBlockComesFromTheHeap() async {
            await #expect(processExitsWith: .failure) {
                exit(HeapSettingsTests.twoMegabytesMappedAfterSixteenFreed() ? EXIT_SUCCESS : EXIT_FAILURE)
            }
        }

        /// Frees a 16 MB block, then asks for 2 MB: whether that block got a mapping of its own.
        static func twoMegabytesMappedAfterSixteenFreed() -> Bool {
            let large = malloc(16 << 20)
            free(large)
            let before = mallinfo2().hblks
            let block = malloc(2 << 20)
            defer { free(block) }
            return mallinfo2().hblks > before
        }
    }
#endif
