// jt808-decode-bench: the jt808 codec's uplink path alone, on one core — frame receiver (flags,
// unescape, check), header, body decoder and the upstream JSON payload — repeated over one captured
// frame. No host, no gRPC: it bounds what the codec can do per core.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "body.hpp"
#include "framing.hpp"
#include "header.hpp"
#include "message_json.hpp"

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : JT808_BENCH_FRAME;
  const long iterations = argc > 2 ? std::stol(argv[2]) : 1000000;
  std::ifstream in(file, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  // Corpus files may carry bytes around the frame (fuzzer selectors): keep flag to flag, since a
  // byte after a closing flag would start a (bad) frame of its own on the next repetition.
  const auto first = std::find(bytes.begin(), bytes.end(), std::uint8_t{0x7e});
  const auto last = std::find(bytes.rbegin(), bytes.rend(), std::uint8_t{0x7e});
  if (first != bytes.end()) bytes = std::vector<std::uint8_t>(first, last.base());
  if (bytes.size() < 2) {
    std::fprintf(stderr, "jt808-decode-bench: cannot read %s\n", file.c_str());
    return 2;
  }
  jt808::FrameReceiver rx(64 * 1024);
  long frames = 0, faults = 0;
  std::size_t payload_bytes = 0;
  const jt808::FrameReceiver::Sink sink{
      [&](std::span<const std::uint8_t> content) {
        auto parsed = jt808::parse_frame(content);
        if (!parsed) {
          ++faults;
          return;
        }
        const jt808::BodyContext ctx{parsed->header.version};
        payload_bytes += jt808::uplink_payload(parsed->header,
                                               jt808::decode_body(parsed->header.msg_id, parsed->body, ctx))
                             .size();
        ++frames;
      },
      [&](jt808::FrameFault) { ++faults; }, [](std::size_t) {}};
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) rx.feed(bytes, sink);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (frames != iterations || faults != 0) {
    std::fprintf(stderr, "jt808-decode-bench: %ld frames, %ld faults for %ld inputs\n", frames, faults, iterations);
    return 1;
  }
  std::printf("%s: %ld frames of %zu bytes in %.2f s: %.0f frames/s, %.1f MB/s in, %.1f MB/s JSON out\n",
              file.c_str(), frames, bytes.size(), s, frames / s, frames * bytes.size() / s / 1e6,
              payload_bytes / s / 1e6);
  return 0;
}
