import CMalloc
import Testing

@testable import AnalystServer

#if canImport(Glibc)
    import Glibc

    /// The server's fixed heap thresholds: a block of 1 MB or more gets its own mapping (given back when freed) even after
    /// a larger block was freed, which by default raises glibc's threshold to that block's size.
    struct HeapSettingsTests {
        @Test func blocksFromOneMegabyteUpAreMappedAfterALargerOneWasFreed() {
            #expect(HeapSettings.apply())
            // Other tests allocate at the same time; an attempt counts when the process's mapping count rose by the block.
            let mapped = (0..<5).contains { _ in
                let large = malloc(16 << 20)
                free(large)
                let before = mallinfo2().hblks
                let block = malloc(2 << 20)
                defer { free(block) }
                return mallinfo2().hblks > before
            }
            #expect(mapped, "a 2 MB block came from the heap: the threshold followed the freed 16 MB block")
        }
    }
#endif
