// Replays fuzz inputs without libFuzzer: runs LLVMFuzzerTestOneInput on every file of the
// directories (recursively, in name order) or files given on the command line. A target that
// finds a bug aborts (the test fails); an empty or missing corpus is an error too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 1;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy in its own heap block, so ASan catches reads past the end as libFuzzer does.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    const auto* data = input.empty() ? nullptr : input.data();
    LLVMFuzzerTestOneInput(data, input.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path root = argv[i];
        std::vector<std::filesystem::path> files;
        std::error_code ec;
        if (std::filesystem::is_directory(root, ec)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
                if (entry.is_regular_file()) files.push_back(entry.path());
        } else if (std::filesystem::is_regular_file(root, ec)) {
            files.push_back(root);
        } else {
            std::fprintf(stderr, "replay: %s is neither a corpus directory nor a file\n", root.c_str());
            return 1;
        }
        if (files.empty()) {
            std::fprintf(stderr, "replay: corpus %s is empty; add seed inputs\n", root.c_str());
            return 1;
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files)
            if (replay(file) != 0) return 1;
        std::printf("replayed %zu inputs from %s\n", files.size(), root.c_str());
    }
    return 0;
}
