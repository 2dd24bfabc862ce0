// http-load: a closed-loop load generator for the daemon's HTTP listener. N keep-alive
// connections, each sending one request after the other (the next as soon as the answer
// is in), as webmail front ends and the sendmail wrapper do. Reports requests per second,
// latency percentiles, answers by status, and errors. It measures; it judges nothing.
//
//   http-load --port P [--path /healthz] [--body-file FILE] [--token-file FILE]
//             [--connections 1] [--duration 5] [--warmup 1]
// With --body-file the request is POST with that JSON body, else GET.
// Last line: "RESULT connections=… requests_per_s=… p50_us=… p99_us=… errors=…".
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/load_figures.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
    int port = 0;
    std::string path = "/healthz";
    std::string body;  // empty: GET
    std::string token;
    int connections = 1;
    double duration_seconds = 5;
    double warmup_seconds = 1;
};

struct Tally {
    std::vector<std::uint32_t> latencies_ns;
    std::map<int, std::uint64_t> statuses;
    std::uint64_t errors = 0;
};

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "http-load: cannot read %s\n", path.c_str());
        std::exit(66);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// One request and its whole answer; the HTTP status, or 0 on a transport error.
int exchange(Poco::Net::HTTPClientSession& session, const Settings& settings) {
    const bool post = !settings.body.empty();
    Poco::Net::HTTPRequest request(post ? "POST" : "GET", settings.path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    if (!settings.token.empty()) request.set("Authorization", "Bearer " + settings.token);
    if (post) {
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(settings.body.size()));
    }
    try {
        session.sendRequest(request) << settings.body;
        Poco::Net::HTTPResponse response;
        std::istream& answer = session.receiveResponse(response);
        Poco::StreamCopier::copyToString(answer, mailpolicy::bench::scratch_buffer());
        return static_cast<int>(response.getStatus());
    } catch (const Poco::Exception&) {
        session.reset();
        return 0;
    }
}

void run_connection(const Settings& settings, Clock::time_point measure_from,
                    Clock::time_point stop_at, Tally& tally) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(settings.port));
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(10, 0));
    while (true) {
        const auto started = Clock::now();
        if (started >= stop_at) return;
        const int status = exchange(session, settings);
        const auto finished = Clock::now();
        if (started < measure_from) continue;
        if (status == 0) {
            ++tally.errors;
            continue;
        }
        ++tally.statuses[status];
        const auto nanoseconds =
            std::chrono::duration_cast<std::chrono::nanoseconds>(finished - started).count();
        tally.latencies_ns.push_back(
            static_cast<std::uint32_t>(std::min<long long>(nanoseconds, UINT32_MAX)));
    }
}

Settings parse_arguments(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        const std::string value = argv[i + 1];
        if (name == "--port")
            settings.port = std::atoi(value.c_str());
        else if (name == "--path")
            settings.path = value;
        else if (name == "--body-file")
            settings.body = file_text(value);
        else if (name == "--token-file")
            settings.token = mailpolicy::bench::first_line(file_text(value));
        else if (name == "--connections")
            settings.connections = std::atoi(value.c_str());
        else if (name == "--duration")
            settings.duration_seconds = std::atof(value.c_str());
        else if (name == "--warmup")
            settings.warmup_seconds = std::atof(value.c_str());
        else {
            std::fprintf(stderr,
                         "http-load: unknown option %s (see the top of http_load_tool.cpp)\n",
                         name.c_str());
            std::exit(64);
        }
    }
    if (settings.port <= 0 || settings.connections <= 0 || (argc - 1) % 2 != 0) {
        std::fprintf(stderr,
                     "usage: http-load --port P [--path P] [--body-file F] "
                     "[--token-file F] [--connections N] [--duration S] [--warmup S]\n");
        std::exit(64);
    }
    return settings;
}

}  // namespace

int main(int argc, char** argv) {
    const Settings settings = parse_arguments(argc, argv);
    const auto start = Clock::now();
    const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(settings.warmup_seconds));
    const auto stop_at =
        measure_from + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(settings.duration_seconds));
    std::vector<Tally> tallies(static_cast<std::size_t>(settings.connections));
    std::vector<std::thread> threads;
    for (auto& tally : tallies) {
        threads.emplace_back(run_connection, std::cref(settings), measure_from, stop_at,
                             std::ref(tally));
    }
    for (auto& thread : threads) thread.join();

    Tally total;
    for (const Tally& tally : tallies) {
        total.latencies_ns.insert(total.latencies_ns.end(), tally.latencies_ns.begin(),
                                  tally.latencies_ns.end());
        for (const auto& [status, count] : tally.statuses) total.statuses[status] += count;
        total.errors += tally.errors;
    }
    std::sort(total.latencies_ns.begin(), total.latencies_ns.end());
    for (const auto& [status, count] : total.statuses) {
        std::printf("status %d: %llu\n", status, static_cast<unsigned long long>(count));
    }
    using mailpolicy::bench::percentile_us;
    std::printf(
        "RESULT connections=%d requests=%zu requests_per_s=%.0f p50_us=%.1f p99_us=%.1f "
        "max_us=%.1f errors=%llu\n",
        settings.connections, total.latencies_ns.size(),
        static_cast<double>(total.latencies_ns.size()) / settings.duration_seconds,
        percentile_us(total.latencies_ns, 0.50), percentile_us(total.latencies_ns, 0.99),
        percentile_us(total.latencies_ns, 1.0), static_cast<unsigned long long>(total.errors));
    return 0;
}
