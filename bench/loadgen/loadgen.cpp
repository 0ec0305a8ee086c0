// cortado-loadgen: drives many raw WebSocket clients from one thread (epoll) against a chat server
// with /chat's semantics and prints what the server spent per unit of work. ./scripts/bench runs it
// against Cortado, ws and Socket.IO; docs/benchmarks.md says what each scenario measures.
//
//   cortado-loadgen --url ws://127.0.0.1:9000/chat --flavour cortado --server-pid PID --scenario fanout
//   cortado-loadgen --table results.txt      (the results of several runs as one table)
//
// Each run prints one "result ..." line of key=value pairs on stdout (progress goes to stderr).
#include "messages.h"
#include "websocket.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace loadgen;

namespace {

std::uint64_t nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

[[noreturn]] void fail(const std::string &message)
{
    std::fprintf(stderr, "cortado-loadgen: %s\n", message.c_str());
    std::exit(1);
}

// The server process's CPU (user + system, all threads) and memory, from /proc.
struct ServerProbe
{
    long pid = 0;
    // --watch: more processes (a cluster's other nodes, redis-server) whose CPU counts in the total
    // and is also reported by name.
    std::vector<std::pair<std::string, long>> watched;

    static double cpuSecondsOf(long pid)
    {
        if (pid <= 0)
            return 0;
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        std::getline(stat, line);
        return cpuSecondsOfStat(line);
    }

    // The server's and every watched process's CPU.
    double cpuSeconds() const
    {
        double total = cpuSecondsOf(pid);
        for (const auto &[name, watchedPid] : watched)
            total += cpuSecondsOf(watchedPid);
        return total;
    }

    std::map<std::string, double> watchedCpuSeconds() const
    {
        std::map<std::string, double> perName;
        for (const auto &[name, watchedPid] : watched)
            perName[name] = cpuSecondsOf(watchedPid);
        return perName;
    }

    // utime + stime of a /proc/.../stat line, in seconds.
    static double cpuSecondsOfStat(const std::string &line)
    {
        const std::size_t close = line.rfind(')');
        if (close == std::string::npos)
            return 0;
        std::istringstream fields(line.substr(close + 2));
        std::string field;
        double ticks = 0;
        // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
        for (int index = 3; index <= 15 && fields >> field; ++index) {
            if (index >= 14)
                ticks += std::strtod(field.c_str(), nullptr);
        }
        return ticks / double(sysconf(_SC_CLK_TCK));
    }

    // CPU seconds per thread name (/proc/PID/task/*/stat; threads of one name added up), so a run
    // shows which of the server's threads did the work (its hub thread, I/O loops, storage writer).
    std::map<std::string, double> threadCpuSeconds() const
    {
        std::map<std::string, double> perName;
        if (pid <= 0)
            return perName;
        const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
        DIR *directory = opendir(tasks.c_str());
        if (!directory)
            return perName;
        while (const dirent *entry = readdir(directory)) {
            if (entry->d_name[0] == '.')
                continue;
            std::ifstream stat(tasks + "/" + entry->d_name + "/stat");
            std::string line;
            std::getline(stat, line);
            const std::size_t open = line.find('('), close = line.rfind(')');
            if (open == std::string::npos || close == std::string::npos)
                continue;
            std::string name = line.substr(open + 1, close - open - 1);
            for (char &c : name) {
                if (c == ' ' || c == ',' || c == ':' || c == '=')
                    c = '_';
            }
            perName[name] += cpuSecondsOfStat(line);
        }
        closedir(directory);
        return perName;
    }

    // KiB of "VmRSS:" (or another field) in /proc/PID/status.
    long statusKiB(const char *name = "VmRSS:") const { return statusKiBOf(pid, name); }
    static long statusKiBOf(long pid, const char *name = "VmRSS:")
    {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind(name, 0) == 0)
                return std::strtol(line.c_str() + std::strlen(name), nullptr, 10);
        }
        return -1;
    }

    // Files the server holds open now (one per connection, plus its own few).
    long openFiles() const
    {
        long count = 0;
        const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
        if (DIR *fds = opendir(dir.c_str())) {
            while (const dirent *entry = readdir(fds))
                count += entry->d_name[0] != '.';
            closedir(fds);
        }
        return count;
    }

    // The server's soft open-file limit (what it raised it to), -1 when unknown or unlimited.
    long openFileLimit() const
    {
        std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
        std::string line;
        while (std::getline(limits, line)) {
            if (line.rfind("Max open files", 0) == 0) {
                std::istringstream fields(line.substr(std::strlen("Max open files")));
                std::string soft;
                fields >> soft;
                return soft == "unlimited" ? -1 : std::strtol(soft.c_str(), nullptr, 10);
            }
        }
        return -1;
    }
};

double ownCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Endpoint
{
    std::string host;
    int port = 0;
};

struct Options
{
    std::string host = "127.0.0.1"; // the first --url's
    int port = 0;
    std::vector<Endpoint> endpoints; // every --url (same path): connections go to each in turn
    std::string path = "/chat";
    Flavour flavour = Flavour::Cortado;
    std::string scenario;
    long serverPid = 0;
    int members = 1000;            // fanout
    std::vector<int> windows{8, 1}; // fanout
    int connections = 0;           // echo / rate: 100; idle: 10000; storm: 2000
    int roomSize = 100;            // idle / storm: members per room
    double rate = 0;               // rate: messages per second; 0: probe saturation first
    double rateFraction = 0.5;     // rate: of the saturation, when probing
    double warmup = 1;             // seconds before measuring
    double duration = 5;           // seconds measured
    int concurrency = 128;         // connections being set up at once
    std::string label;             // copied into the result line (server=...)
    // Where connections go and come from, round robin: one loopback address pair has ~28,000
    // ephemeral ports (32768-60999), so many connections spread over several 127.0.0.x.
    std::vector<std::string> addresses; // --addresses: destinations (default: the --url host)
    std::vector<std::string> sources;   // --source-addresses: bind() before connect (default: the kernel's choice)
    double hold = 0;                    // seconds to keep the connections open after the result line
    std::vector<std::pair<std::string, long>> watch; // --watch NAME=PID,...
    int rooms = 0;                      // idle/storm/many: connection i joins room-(i % rooms) (0: blocks of --room-size)
    double awaitBroadcast = 0;          // many: then wait up to S s for one chat:message on every connection
    std::string token;                  // broadcast: the publisher's bearer token
};

struct Connection
{
    int fd = -1;
    int index = 0;
    enum State { Connecting, Upgrading, Opening, Joining, Ready, Closed } state = Connecting;
    std::string key;
    std::string in;
    std::size_t inPos = 0;
    std::string out;
    std::size_t outPos = 0;
    bool watchingWrite = false;
    std::string message; // a fragmented message being assembled
    std::string room;
    std::uint64_t nextId = 1;
    std::uint64_t joinId = 0;
    // Scenario data.
    std::int64_t nextSeq = 0;
    std::uint64_t sentAt = 0;
    bool gotMessage = false;
    bool gotAck = false;
    std::deque<std::uint64_t> scheduled; // rate: send times of messages not yet back
};

// Many WebSocket clients on one epoll loop. Scenarios hook onChat / onAck / onTimer.
class Client
{
public:
    std::function<void(Connection &, std::int64_t seq, std::uint64_t at)> onChat;
    std::function<void(Connection &, std::uint64_t id, bool ok, std::uint64_t at)> onAck;
    std::function<void()> onTimer;

    explicit Client(const Options &options)
        : m_options(options)
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        m_timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = ~0ull;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_timer, &event);
        std::vector<Endpoint> destinations;
        if (options.addresses.empty()) {
            destinations = options.endpoints;
        } else {
            for (const std::string &host : options.addresses)
                destinations.push_back({host, options.port});
        }
        for (Endpoint &endpoint : destinations) {
            if (endpoint.host == "localhost")
                endpoint.host = "127.0.0.1";
            sockaddr_in address{};
            address.sin_family = AF_INET;
            address.sin_port = htons(std::uint16_t(endpoint.port));
            if (inet_pton(AF_INET, endpoint.host.c_str(), &address.sin_addr) != 1)
                fail((options.addresses.empty() ? "--url: the host" : "--addresses: each address")
                     + std::string(" must be an IPv4 address, not ") + endpoint.host);
            m_destinations.push_back(address);
            m_destinationNames.push_back(endpoint);
        }
        for (const std::string &host : options.sources) {
            sockaddr_in address{};
            address.sin_family = AF_INET;
            if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
                fail("--source-addresses: each address must be an IPv4 address, not " + host);
            m_sources.push_back(address);
        }
        m_path = options.path;
        if (options.flavour == Flavour::SocketIo)
            m_path = "/socket.io/?EIO=4&transport=websocket";
    }

    ~Client()
    {
        for (auto &connection : m_connections) {
            if (connection->fd >= 0)
                ::close(connection->fd);
        }
        ::close(m_timer);
        ::close(m_epoll);
    }

    std::vector<std::unique_ptr<Connection>> &connections() { return m_connections; }
    std::uint64_t bytesRead() const { return m_bytesRead; }

    // Opens `count` connections, each joining roomOf(i), at most --concurrency at a time; returns
    // once all are joined. Fails the run if one is refused or drops.
    void open(int count, const std::function<std::string(int)> &roomOf)
    {
        const std::size_t first = m_connections.size();
        int started = 0;
        m_ready = 0;
        // 120 s, and 10 ms more per connection: a cluster's 16,000 per process on 2 shared cores may take minutes.
        const std::uint64_t deadline = nowNs() + (120ull + std::uint64_t(count) / 100) * 1000000000ull;
        while (m_ready < count) {
            while (started < count && started - m_ready < m_options.concurrency) {
                startConnection(roomOf(started));
                ++started;
            }
            poll(10);
            if (nowNs() > deadline)
                fail("set-up: only " + std::to_string(m_ready) + " of " + std::to_string(count)
                     + " connections joined within " + std::to_string(120 + count / 100) + " s");
        }
        (void)first;
    }

    // Runs the loop until `done()` or the deadline (ns); timeouts in ms.
    void runUntil(const std::function<bool()> &done, std::uint64_t deadline)
    {
        while (!done() && nowNs() < deadline)
            poll(int(std::min<std::uint64_t>(10, (deadline - std::min(deadline, nowNs())) / 1000000 + 1)));
    }

    // Runs until no byte arrived for `quietMs` (the server has finished what it was doing), at most maxMs.
    void settle(int quietMs, int maxMs)
    {
        const std::uint64_t end = nowNs() + std::uint64_t(maxMs) * 1000000ull;
        std::uint64_t lastBytes = m_bytesRead, lastChange = nowNs();
        while (nowNs() < end) {
            poll(5);
            if (m_bytesRead != lastBytes) {
                lastBytes = m_bytesRead;
                lastChange = nowNs();
            } else if (nowNs() - lastChange > std::uint64_t(quietMs) * 1000000ull) {
                return;
            }
        }
    }

    // Arms the timer to fire at `at` (CLOCK_MONOTONIC ns); onTimer runs then.
    void armTimer(std::uint64_t at)
    {
        itimerspec spec{};
        at = std::max<std::uint64_t>(at, 1);
        spec.it_value.tv_sec = time_t(at / 1000000000ull);
        spec.it_value.tv_nsec = long(at % 1000000000ull);
        timerfd_settime(m_timer, TFD_TIMER_ABSTIME, &spec, nullptr);
    }

    void sendChat(Connection &connection, std::int64_t seq)
    {
        sendText(connection, chatMessage(m_options.flavour, connection.room, connection.nextId++, seq));
    }

    void poll(int timeoutMs)
    {
        epoll_event events[256];
        const int n = epoll_wait(m_epoll, events, 256, timeoutMs);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == ~0ull) {
                std::uint64_t expirations = 0;
                if (read(m_timer, &expirations, sizeof expirations) > 0 && onTimer)
                    onTimer();
                continue;
            }
            Connection &connection = *m_connections[events[i].data.u64];
            if (connection.state == Connection::Closed)
                continue;
            if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                flush(connection);
            if (connection.state != Connection::Closed && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                readFrom(connection);
        }
    }

private:
    void startConnection(const std::string &room)
    {
        auto connection = std::make_unique<Connection>();
        connection->index = int(m_connections.size());
        connection->room = room;
        connection->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (connection->fd < 0)
            fail(std::string("socket: ") + std::strerror(errno) + " (open-file limit?)");
        const int one = 1;
        setsockopt(connection->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        // Close with a reset: the load generator's many closes leave no TIME_WAIT ports behind.
        const linger reset{1, 0};
        setsockopt(connection->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        if (!m_sources.empty()) {
            // Every destination with one source, then the next source: each pair gets its share.
            const std::size_t pair = std::size_t(connection->index) / m_destinations.size();
            const sockaddr_in &source = m_sources[pair % m_sources.size()];
            // Port 0 and no port yet: connect() picks one unique per destination, not per source alone.
            setsockopt(connection->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            if (bind(connection->fd, reinterpret_cast<const sockaddr *>(&source), sizeof source) != 0)
                fail(std::string("bind to a --source-addresses address: ") + std::strerror(errno));
        }
        const std::size_t turn = std::size_t(connection->index) % m_destinations.size();
        const sockaddr_in &destination = m_destinations[turn];
        if (connect(connection->fd, reinterpret_cast<const sockaddr *>(&destination), sizeof destination) != 0
            && errno != EINPROGRESS)
            fail(std::string("connect: ") + std::strerror(errno)
                 + (errno == EADDRNOTAVAIL ? " (out of ephemeral ports: spread over more --addresses)" : ""));
        connection->key = ws::makeKey(std::uint64_t(connection->index) + nowNs());
        connection->out = ws::handshakeRequest(m_destinationNames[turn].host, m_destinationNames[turn].port, m_path,
                                               connection->key);
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.u64 = std::uint64_t(connection->index);
        connection->watchingWrite = true;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, connection->fd, &event);
        m_connections.push_back(std::move(connection));
    }

    [[noreturn]] void dropped(Connection &connection, const std::string &why)
    {
        // Every scenario needs all its connections: a drop is a failed run, not a figure.
        fail("connection " + std::to_string(connection.index) + " (" + connection.room + "): " + why);
    }

    void flush(Connection &connection)
    {
        if (connection.state == Connection::Connecting) {
            int error = 0;
            socklen_t length = sizeof error;
            getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error != 0)
                dropped(connection, std::string("connect: ") + std::strerror(error));
            connection.state = Connection::Upgrading;
        }
        while (connection.outPos < connection.out.size()) {
            const ssize_t n = ::write(connection.fd, connection.out.data() + connection.outPos,
                                      connection.out.size() - connection.outPos);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                dropped(connection, std::string("write: ") + std::strerror(errno));
            }
            connection.outPos += std::size_t(n);
        }
        const bool pending = connection.outPos < connection.out.size();
        if (!pending) {
            connection.out.clear();
            connection.outPos = 0;
        }
        if (pending != connection.watchingWrite) {
            epoll_event event{};
            event.events = EPOLLIN | (pending ? EPOLLOUT : 0u);
            event.data.u64 = std::uint64_t(connection.index);
            epoll_ctl(m_epoll, EPOLL_CTL_MOD, connection.fd, &event);
            connection.watchingWrite = pending;
        }
    }

    void sendFrame(Connection &connection, ws::Opcode opcode, std::string_view payload)
    {
        m_mask = m_mask * 1664525u + 1013904223u;
        ws::appendFrame(connection.out, opcode, payload, m_mask);
        if (!connection.watchingWrite)
            flush(connection);
    }

    void sendText(Connection &connection, std::string_view text) { sendFrame(connection, ws::Text, text); }

    void readFrom(Connection &connection)
    {
        static char buffer[256 * 1024];
        for (;;) {
            const ssize_t n = ::read(connection.fd, buffer, sizeof buffer);
            if (n == 0)
                dropped(connection, "closed by the server");
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                dropped(connection, std::string("read: ") + std::strerror(errno));
            }
            m_bytesRead += std::uint64_t(n);
            connection.in.append(buffer, std::size_t(n));
            if (std::size_t(n) < sizeof buffer)
                break;
        }
        process(connection);
    }

    void process(Connection &connection)
    {
        std::string_view pending(connection.in);
        pending.remove_prefix(connection.inPos);
        if (connection.state == Connection::Upgrading) {
            std::size_t head = 0;
            std::string error;
            switch (ws::parseHandshakeResponse(pending, connection.key, head, error)) {
            case ws::HandshakeResult::Incomplete:
                return;
            case ws::HandshakeResult::Refused:
                dropped(connection, "handshake refused: " + error);
            case ws::HandshakeResult::Accepted:
                break;
            }
            connection.inPos += head;
            pending.remove_prefix(head);
            if (m_options.flavour == Flavour::SocketIo) {
                connection.state = Connection::Opening;
            } else {
                connection.state = Connection::Joining;
                connection.joinId = connection.nextId++;
                sendText(connection, joinMessage(m_options.flavour, connection.room, connection.joinId));
            }
        }
        const std::uint64_t at = nowNs();
        for (;;) {
            ws::Frame frame;
            std::size_t consumed = 0;
            std::string error;
            const ws::DecodeResult result = ws::decodeFrame(pending, frame, consumed, error);
            if (result == ws::DecodeResult::Incomplete)
                break;
            if (result == ws::DecodeResult::Error)
                dropped(connection, "bad frame: " + error);
            switch (frame.opcode) {
            case ws::Ping:
                sendFrame(connection, ws::Pong, frame.payload);
                break;
            case ws::Pong:
                break;
            case ws::Close:
                dropped(connection, "close frame from the server");
            case ws::Text:
            case ws::Binary:
                if (frame.fin)
                    handleText(connection, frame.payload, at);
                else
                    connection.message.assign(frame.payload);
                break;
            case ws::Continuation:
                connection.message.append(frame.payload);
                if (frame.fin) {
                    const std::string whole = std::move(connection.message);
                    connection.message.clear();
                    handleText(connection, whole, at);
                }
                break;
            }
            if (connection.state == Connection::Closed)
                return;
            connection.inPos += consumed;
            pending.remove_prefix(consumed);
        }
        if (connection.inPos == connection.in.size()) {
            connection.in.clear();
            connection.inPos = 0;
        } else if (connection.inPos > 64 * 1024) {
            connection.in.erase(0, connection.inPos);
            connection.inPos = 0;
        }
    }

    void handleText(Connection &connection, std::string_view text, std::uint64_t at)
    {
        const Incoming in = classify(m_options.flavour, text);
        switch (in.kind) {
        case Incoming::Other:
            return;
        case Incoming::Ping:
            sendText(connection, "3");
            return;
        case Incoming::EngineOpen:
            sendText(connection, "40");
            return;
        case Incoming::Connected:
            connection.state = Connection::Joining;
            connection.joinId = connection.nextId++;
            sendText(connection, joinMessage(m_options.flavour, connection.room, connection.joinId));
            return;
        case Incoming::Error:
            dropped(connection, "refused: " + std::string(text.substr(0, 200)));
        case Incoming::Chat:
            if (onChat)
                onChat(connection, in.seq, at);
            return;
        case Incoming::Ack:
            if (connection.state == Connection::Joining && in.id == connection.joinId) {
                if (!in.ok)
                    dropped(connection, "join refused: " + std::string(text.substr(0, 200)));
                connection.state = Connection::Ready;
                ++m_ready;
                return;
            }
            if (!in.ok)
                fail("error ack on connection " + std::to_string(connection.index) + ": "
                     + std::string(text.substr(0, 300)));
            if (onAck)
                onAck(connection, in.id, in.ok, at);
            return;
        }
    }

    const Options &m_options;
    int m_epoll = -1;
    int m_timer = -1;
    std::vector<sockaddr_in> m_destinations;
    std::vector<Endpoint> m_destinationNames; // for each destination, its Host header
    std::vector<sockaddr_in> m_sources;
    std::string m_path;
    std::vector<std::unique_ptr<Connection>> m_connections;
    int m_ready = 0;
    std::uint32_t m_mask = 0x12345678;
    std::uint64_t m_bytesRead = 0;
};

// Latencies in ns; percentiles in ms.
struct Latencies
{
    std::vector<std::uint64_t> samples;
    double ms(double quantile)
    {
        if (samples.empty())
            return 0;
        std::sort(samples.begin(), samples.end());
        const std::size_t at = std::min(samples.size() - 1, std::size_t(quantile * double(samples.size())));
        return double(samples[at]) / 1e6;
    }
};

// A measured interval: wall time, server CPU, the load generator's own CPU.
struct Interval
{
    const ServerProbe &probe;
    std::uint64_t start = nowNs();
    double serverCpu = probe.cpuSeconds();
    std::map<std::string, double> threadCpu = probe.threadCpuSeconds();
    double ownCpu = ownCpuSeconds();
    std::map<std::string, double> watchedCpu = probe.watchedCpuSeconds();
    double seconds = 0, serverCpuUs = 0, ownCpuShare = 0;
    std::string threadCores; // "name:cores,..." for the server's busy threads
    std::map<std::string, double> watchedCpuUs; // each --watch process's share of serverCpuUs

    explicit Interval(const ServerProbe &p)
        : probe(p)
    {
    }
    void stop()
    {
        seconds = double(nowNs() - start) / 1e9;
        serverCpuUs = (probe.cpuSeconds() - serverCpu) * 1e6;
        ownCpuShare = (ownCpuSeconds() - ownCpu) / seconds;
        for (const auto &[name, cpu] : probe.watchedCpuSeconds())
            watchedCpuUs[name] = (cpu - watchedCpu[name]) * 1e6;
        threadCores.clear();
        for (const auto &[name, cpu] : probe.threadCpuSeconds()) {
            const double cores = (cpu - threadCpu[name]) / seconds;
            if (cores < 0.01)
                continue;
            char text[32];
            std::snprintf(text, sizeof text, "%.2f", cores);
            threadCores += (threadCores.empty() ? "" : ",") + name + ":" + text;
        }
        if (threadCores.empty())
            threadCores = "-";
    }
};

std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

void printResult(const Options &options, const std::string &scenario, const std::vector<std::pair<std::string, std::string>> &fields)
{
    std::string line = "result server=" + (options.label.empty() ? std::string("?") : options.label) + " scenario=" + scenario;
    for (const auto &[key, value] : fields)
        line += " " + key + "=" + value;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

std::uint64_t seconds(double s)
{
    return std::uint64_t(s * 1e9);
}

// fan-out: one sender, `members` sockets in one room (the sender among them); `window` messages in
// flight; a message is complete when every member has it.
void fanout(const Options &options, const ServerProbe &probe)
{
    Client client(options);
    const std::uint64_t setupStart = nowNs();
    client.open(options.members, [](int) { return std::string("fanout"); });
    client.settle(300, 60000); // presence of the joins, history replay: not part of the measure
    std::fprintf(stderr, "fanout: %d members joined in %.1f s\n", options.members, double(nowNs() - setupStart) / 1e9);
    Connection &sender = *client.connections().front();
    const int members = options.members;

    for (const int window : options.windows) {
        struct InFlight { std::uint64_t sentAt = 0; int received = 0; };
        std::map<std::int64_t, InFlight> inFlight;
        std::int64_t nextSeq = 0;
        bool measuring = false, sending = true;
        std::uint64_t deliveries = 0;
        Latencies latencies, perDelivery; // until the last member has it; until each member has it
        auto send = [&] {
            const std::int64_t seq = nextSeq++;
            inFlight[seq] = InFlight{nowNs(), 0};
            client.sendChat(sender, seq);
        };
        client.onChat = [&](Connection &, std::int64_t seq, std::uint64_t at) {
            auto it = inFlight.find(seq);
            if (it == inFlight.end())
                return;
            if (measuring) {
                ++deliveries;
                perDelivery.samples.push_back(at - it->second.sentAt);
            }
            if (++it->second.received == members) {
                if (measuring)
                    latencies.samples.push_back(at - it->second.sentAt);
                inFlight.erase(it);
                if (sending)
                    send();
            }
        };
        client.onAck = nullptr;
        for (int i = 0; i < window; ++i)
            send();
        client.runUntil([] { return false; }, nowNs() + seconds(options.warmup));
        measuring = true;
        Interval interval(probe);
        client.runUntil([] { return false; }, nowNs() + seconds(options.duration));
        interval.stop();
        measuring = false;
        sending = false;
        client.runUntil([&] { return inFlight.empty(); }, nowNs() + seconds(10));
        client.settle(100, 2000);
        const double perSecond = double(deliveries) / interval.seconds;
        const double perThousand = 1000 / double(std::max<std::uint64_t>(deliveries, 1));
        std::vector<std::pair<std::string, std::string>> fields{
                {"members", std::to_string(members)},
                {"window", std::to_string(window)},
                {"deliveries_per_s", fixed(perSecond, 0)},
                {"messages", std::to_string(latencies.samples.size())},
                {"cpu_us_per_1000", fixed(interval.serverCpuUs * perThousand, 0)},
                {"server_cores", fixed(interval.serverCpuUs / 1e6 / interval.seconds, 2)},
                {"p50_ms", fixed(latencies.ms(0.5), 2)},
                {"p99_ms", fixed(latencies.ms(0.99), 2)},
                {"delivery_p50_ms", fixed(perDelivery.ms(0.5), 2)},
                {"delivery_p99_ms", fixed(perDelivery.ms(0.99), 2)},
                {"loadgen_cores", fixed(interval.ownCpuShare, 2)},
                {"thread_cores", interval.threadCores}};
        for (const auto &[name, cpuUs] : interval.watchedCpuUs)
            fields.push_back({"cpu_us_per_1000_" + name, fixed(cpuUs * perThousand, 0)});
        printResult(options, "fanout" + std::to_string(window), fields);
    }
}

std::string numberedRoom(const char *prefix, int i)
{
    return std::string(prefix) + std::to_string(i);
}

// echo: each connection in its own room sends a message and waits for it (and the ack) before the next.
double echo(const Options &options, const ServerProbe &probe, bool print = true, double warmup = -1, double duration = -1)
{
    Client client(options);
    const int count = options.connections > 0 ? options.connections : 100;
    client.open(count, [](int i) { return numberedRoom("echo-", i); });
    client.settle(200, 10000);
    bool measuring = false, sending = true;
    std::uint64_t requests = 0;
    Latencies latencies;
    auto send = [&](Connection &connection) {
        connection.gotMessage = connection.gotAck = false;
        connection.sentAt = nowNs();
        client.sendChat(connection, connection.nextSeq++);
    };
    auto complete = [&](Connection &connection, std::uint64_t at) {
        if (!connection.gotMessage || !connection.gotAck)
            return;
        if (measuring) {
            ++requests;
            latencies.samples.push_back(at - connection.sentAt);
        }
        if (sending)
            send(connection);
    };
    client.onChat = [&](Connection &connection, std::int64_t, std::uint64_t at) {
        connection.gotMessage = true;
        complete(connection, at);
    };
    client.onAck = [&](Connection &connection, std::uint64_t, bool, std::uint64_t at) {
        connection.gotAck = true;
        complete(connection, at);
    };
    for (auto &connection : client.connections())
        send(*connection);
    client.runUntil([] { return false; }, nowNs() + seconds(warmup >= 0 ? warmup : options.warmup));
    measuring = true;
    Interval interval(probe);
    client.runUntil([] { return false; }, nowNs() + seconds(duration >= 0 ? duration : options.duration));
    interval.stop();
    measuring = false;
    sending = false;
    client.settle(100, 5000);
    const double perSecond = double(requests) / interval.seconds;
    if (print) {
        printResult(options, "echo",
                    {{"connections", std::to_string(count)},
                     {"requests_per_s", fixed(perSecond, 0)},
                     {"cpu_us_per_1000", fixed(interval.serverCpuUs / double(std::max<std::uint64_t>(requests, 1)) * 1000, 0)},
                     {"server_cores", fixed(interval.serverCpuUs / 1e6 / interval.seconds, 2)},
                     {"p50_ms", fixed(latencies.ms(0.5), 2)},
                     {"p99_ms", fixed(latencies.ms(0.99), 2)},
                     {"loadgen_cores", fixed(interval.ownCpuShare, 2)},
                     {"thread_cores", interval.threadCores}});
    }
    return perSecond;
}

// rate: the echo set-up, but messages go out on a fixed schedule (open loop: a late reply does not
// delay the next send), latency measured from the scheduled time, so a stall counts in full.
void fixedRate(const Options &options, const ServerProbe &probe)
{
    double rate = options.rate;
    double saturation = 0;
    if (rate <= 0) {
        saturation = echo(options, probe, false, 0.5, 2);
        rate = saturation * options.rateFraction;
        std::fprintf(stderr, "rate: saturation %.0f/s, running at %.0f/s\n", saturation, rate);
    }
    Client client(options);
    const int count = options.connections > 0 ? options.connections : 100;
    client.open(count, [](int i) { return numberedRoom("rate-", i); });
    client.settle(200, 10000);
    const std::uint64_t interval_ns = std::uint64_t(1e9 / rate);
    std::uint64_t next = nowNs();
    std::uint64_t sent = 0, received = 0;
    bool measuring = false, sending = true;
    Latencies latencies;
    int turn = 0;
    client.onTimer = [&] {
        const std::uint64_t now = nowNs();
        while (sending && next <= now) {
            Connection &connection = *client.connections()[std::size_t(turn)];
            turn = (turn + 1) % count;
            connection.scheduled.push_back(next);
            client.sendChat(connection, connection.nextSeq++);
            ++sent;
            next += interval_ns;
        }
        if (sending)
            client.armTimer(next);
    };
    client.onChat = [&](Connection &connection, std::int64_t, std::uint64_t at) {
        if (connection.scheduled.empty())
            return;
        if (measuring) {
            ++received;
            latencies.samples.push_back(at - connection.scheduled.front());
        }
        connection.scheduled.pop_front();
    };
    client.onAck = [](Connection &, std::uint64_t, bool, std::uint64_t) {};
    client.armTimer(next);
    client.runUntil([] { return false; }, nowNs() + seconds(options.warmup));
    measuring = true;
    const std::uint64_t sentBefore = sent;
    Interval measured(probe);
    client.runUntil([] { return false; }, nowNs() + seconds(options.duration));
    measured.stop();
    const std::uint64_t sentDuring = sent - sentBefore;
    sending = false;
    // Replies to messages sent in the window still count (their latency is what it is).
    client.runUntil([&] {
        for (auto &connection : client.connections()) {
            if (!connection->scheduled.empty())
                return false;
        }
        return true;
    }, nowNs() + seconds(10));
    measuring = false;
    printResult(options, "rate",
                {{"connections", std::to_string(count)},
                 {"rate", fixed(rate, 0)},
                 {"saturation", fixed(saturation, 0)},
                 {"achieved_per_s", fixed(double(sentDuring) / measured.seconds, 0)},
                 {"cpu_us_per_1000", fixed(measured.serverCpuUs / double(std::max<std::uint64_t>(sentDuring, 1)) * 1000, 0)},
                 {"p50_ms", fixed(latencies.ms(0.5), 3)},
                 {"p99_ms", fixed(latencies.ms(0.99), 3)},
                 {"p999_ms", fixed(latencies.ms(0.999), 3)},
                 {"replies", std::to_string(received)},
                 {"loadgen_cores", fixed(measured.ownCpuShare, 2)}});
}

// many --await-broadcast S: once set up, every connection waits for one chat:message whose "seq" is
// the sender's CLOCK_MONOTONIC time in ns (cortado-loadgen --scenario broadcast sends it): the
// latency of each delivery, and when the last of them arrived. Fails when not all arrive in S s.
void awaitBroadcast(const Options &options, Client &client)
{
    const int count = int(client.connections().size());
    int received = 0;
    std::uint64_t last = 0;
    std::int64_t sentAt = 0;
    Latencies latencies;
    client.onChat = [&](Connection &connection, std::int64_t seq, std::uint64_t at) {
        if (connection.gotMessage || seq <= 0)
            return;
        connection.gotMessage = true;
        ++received;
        last = std::max(last, at);
        sentAt = seq;
        latencies.samples.push_back(at - std::min(at, std::uint64_t(seq)));
    };
    std::fprintf(stderr, "many: %d connections waiting for a broadcast\n", count);
    client.runUntil([&] { return received == count; }, nowNs() + seconds(options.awaitBroadcast));
    client.onChat = nullptr;
    printResult(options, "broadcast-received",
                {{"connections", std::to_string(count)},
                 {"received", std::to_string(received)},
                 {"sent_ns", std::to_string(sentAt)},
                 {"last_ns", std::to_string(last)},
                 {"p50_ms", fixed(latencies.ms(0.5), 1)},
                 {"p99_ms", fixed(latencies.ms(0.99), 1)},
                 {"last_ms", fixed(received > 0 ? double(last - std::uint64_t(sentAt)) / 1e6 : 0, 1)}});
    if (received < count)
        fail("only " + std::to_string(received) + " of " + std::to_string(count)
             + " connections got the broadcast within " + fixed(options.awaitBroadcast, 0) + " s");
}

// idle and storm: open connections into rooms of --room-size; storm reports the set-up cost,
// idle the memory the server holds per open connection. many: idle at the most connections one node
// holds here (19,000 under a 20,000-file limit), with what sizing a node needs (docs/benchmarks.md).
void connections(const Options &options, const ServerProbe &probe, const std::string &scenario)
{
    const bool idle = scenario != "storm";
    const int count = options.connections > 0 ? options.connections
                                               : (scenario == "many" ? 19000 : idle ? 10000 : 2000);
    const int roomSize = std::max(1, options.roomSize);
    // One file per connection here too: say so before the run rather than fail in the middle of it.
    rlimit own{};
    getrlimit(RLIMIT_NOFILE, &own);
    if (own.rlim_cur != RLIM_INFINITY && rlim_t(count) + 16 > own.rlim_cur)
        fail("--connections " + std::to_string(count) + " needs " + std::to_string(count + 16)
             + " open files but this process may open " + std::to_string(own.rlim_cur)
             + ": raise the hard limit (ulimit -Hn) or run several load generators with fewer --connections each");
    const long serverLimit = probe.pid > 0 ? probe.openFileLimit() : -1;
    if (serverLimit > 0 && count > serverLimit - 64)
        std::fprintf(stderr, "%s: the server may open %ld files; %d connections will likely not all fit\n",
                     scenario.c_str(), serverLimit, count);
    Client client(options);
    const long rssBefore = probe.statusKiB();
    Interval setup(probe);
    const int rooms = options.rooms;
    client.open(count, [roomSize, rooms](int i) {
        return numberedRoom("room-", rooms > 0 ? i % rooms : i / roomSize);
    });
    const double openSeconds = double(nowNs() - setup.start) / 1e9;
    client.settle(300, 60000); // the server is done when nothing more arrives (presence diffs)
    setup.stop();
    auto holdOpen = [&] {
        // --hold: the connections stay open (pings answered) for a look at them from outside.
        if (options.hold > 0)
            client.runUntil([] { return false; }, nowNs() + seconds(options.hold));
    };
    if (!idle) {
        printResult(options, "storm",
                    {{"connections", std::to_string(count)},
                     {"room_size", std::to_string(roomSize)},
                     {"connections_per_s", fixed(double(count) / openSeconds, 0)},
                     {"cpu_us_per_connection", fixed(setup.serverCpuUs / double(count), 0)},
                     {"loadgen_cores", fixed(setup.ownCpuShare, 2)}});
        holdOpen();
        return;
    }
    client.settle(1000, 5000);
    const long rssAfter = probe.statusKiB();
    if (scenario == "many") {
        std::vector<std::pair<std::string, std::string>> fields{
                {"connections", std::to_string(count)},
                {"room_size", std::to_string(roomSize)},
                {"addresses", std::to_string(std::max<std::size_t>(options.addresses.size(), 1))},
                {"rss_base_kib", std::to_string(rssBefore)},
                {"rss_kib", std::to_string(rssAfter)},
                {"kib_per_connection", fixed(double(rssAfter - rssBefore) / double(count), 1)},
                {"connections_per_s", fixed(double(count) / openSeconds, 0)},
                {"cpu_us_per_connection", fixed(setup.serverCpuUs / double(count), 0)},
                {"server_files", std::to_string(probe.openFiles())},
                {"server_file_limit", std::to_string(serverLimit)},
                {"loadgen_cores", fixed(setup.ownCpuShare, 2)},
                {"rooms", std::to_string(rooms)},
                {"urls", std::to_string(options.endpoints.size())},
                // CLOCK_MONOTONIC, one clock for every process here: several load generators' set-up
                // time is the last one's ready_ns minus the first one's start_ns.
                {"start_ns", std::to_string(setup.start)},
                {"ready_ns", std::to_string(nowNs())}};
        for (const auto &[name, pid] : options.watch)
            fields.push_back({"rss_kib_" + name, std::to_string(ServerProbe::statusKiBOf(pid))});
        printResult(options, "many", fields);
        if (options.awaitBroadcast > 0)
            awaitBroadcast(options, client);
        holdOpen();
        return;
    }
    printResult(options, "idle",
                {{"connections", std::to_string(count)},
                 {"room_size", std::to_string(roomSize)},
                 {"rss_before_kib", std::to_string(rssBefore)},
                 {"rss_after_kib", std::to_string(rssAfter)},
                 {"kib_per_connection", fixed(double(rssAfter - rssBefore) / double(count), 1)},
                 {"connections_per_s", fixed(double(count) / openSeconds, 0)},
                 {"cpu_us_per_connection", fixed(setup.serverCpuUs / double(count), 0)}});
    holdOpen();
}

// broadcast: one REST broadcast (POST /api/rooms/room-<i>/broadcast, i < --rooms, with the --token
// of a publisher) of a chat:message whose "seq" is the time of the first POST (CLOCK_MONOTONIC ns),
// to the first --url's server, one keep-alive connection. Load generators waiting with
// --await-broadcast measure from that time. Fails on any answer but 200.
void broadcast(const Options &options)
{
    if (options.rooms < 1 || options.token.empty())
        fail("broadcast needs --rooms N and --token T (cortado-server token --role publisher)");
    const Endpoint &endpoint = options.endpoints.front();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(std::uint16_t(endpoint.port));
    if (inet_pton(AF_INET, endpoint.host == "localhost" ? "127.0.0.1" : endpoint.host.c_str(), &address.sin_addr) != 1)
        fail("--url: the host must be an IPv4 address, not " + endpoint.host);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        fail(std::string("broadcast: connect: ") + std::strerror(errno));
    // The watched processes' memory now, before the broadcast (a cluster's nodes with every connection held).
    std::vector<std::pair<std::string, std::string>> memory;
    for (const auto &[name, pid] : options.watch)
        memory.push_back({"rss_kib_" + name, std::to_string(ServerProbe::statusKiBOf(pid))});
    const std::uint64_t sentAt = nowNs();
    const std::string body = "{\"event\":\"chat:message\",\"route\":\"" + options.path + "\",\"payload\":{\"seq\":"
            + std::to_string(sentAt) + ",\"text\":\"broadcast\"}}";
    std::string in;
    long delivered = 0;
    for (int room = 0; room < options.rooms; ++room) {
        const std::string request = "POST /api/rooms/" + numberedRoom("room-", room) + "/broadcast HTTP/1.1\r\n"
                "Host: " + endpoint.host + ":" + std::to_string(endpoint.port) + "\r\n"
                "Authorization: Bearer " + options.token + "\r\n"
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        for (std::size_t done = 0; done < request.size();) {
            const ssize_t n = ::write(fd, request.data() + done, request.size() - done);
            if (n <= 0)
                fail(std::string("broadcast: write: ") + std::strerror(errno));
            done += std::size_t(n);
        }
        // One answer: the head, then Content-Length bytes of body.
        std::size_t head = std::string::npos, length = 0;
        for (;;) {
            if (head == std::string::npos && (head = in.find("\r\n\r\n")) != std::string::npos) {
                const std::size_t at = in.find("Content-Length:");
                const std::size_t lower = in.find("content-length:");
                const std::size_t field = at < head ? at : lower < head ? lower : std::string::npos;
                length = field == std::string::npos ? 0 : std::strtoul(in.c_str() + field + 15, nullptr, 10);
                head += 4;
            }
            if (head != std::string::npos && in.size() >= head + length)
                break;
            char buffer[4096];
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0)
                fail("broadcast: the server closed the connection after " + std::to_string(room) + " rooms");
            in.append(buffer, std::size_t(n));
        }
        const std::string answer = in.substr(0, head + length);
        in.erase(0, head + length);
        if (answer.rfind("HTTP/1.1 200", 0) != 0)
            fail("broadcast to " + numberedRoom("room-", room) + ": " + answer.substr(0, 300));
        delivered += long(toInt(jsonField(answer.substr(head), "delivered")).value_or(0));
    }
    ::close(fd);
    std::vector<std::pair<std::string, std::string>> fields{{"rooms", std::to_string(options.rooms)},
                                                           {"sent_ns", std::to_string(sentAt)},
                                                           {"posted_ms", fixed(double(nowNs() - sentAt) / 1e6, 1)},
                                                           {"delivered_here", std::to_string(delivered)}};
    fields.insert(fields.end(), memory.begin(), memory.end());
    printResult(options, "broadcast", fields);
}

// After the table, when a "many" run is in it: what a node needs for 100,000 and 1,000,000
// connections, from that run's per-connection figures (RSS = base + n x per connection).
void sizing(const std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> &results,
            const std::vector<std::pair<std::string, std::string>> &servers)
{
    bool header = false;
    for (const auto &[server, name] : servers) {
        const auto s = results.find(server);
        if (s == results.end() || !s->second.count("many"))
            continue;
        const auto &many = s->second.at("many");
        auto get = [&](const char *key) {
            const auto k = many.find(key);
            return k == many.end() ? NAN : std::strtod(k->second.c_str(), nullptr);
        };
        const double baseMiB = get("rss_base_kib") / 1024, perKiB = get("kib_per_connection"),
                     cpuUs = get("cpu_us_per_connection"), rate = get("connections_per_s");
        if (!header) {
            std::printf("\n| sizing from the many-connections run | connections | server RSS | CPU to set them all up | at the measured rate |\n");
            std::printf("|---|---|---|---|---|\n");
            header = true;
        }
        for (const double n : {1e5, 1e6}) {
            const double rssGiB = (baseMiB + n * perKiB / 1024) / 1024;
            std::printf("| %s (%.0f MiB + n × %.1f KiB) | %s | %.1f GiB | %.0f core-s | %.0f s |\n", name.c_str(),
                        baseMiB, perKiB, n == 1e5 ? "100,000" : "1,000,000", rssGiB, n * cpuUs / 1e6, n / rate);
        }
    }
    if (header) {
        // Files and ports do not depend on the server: say what each scale needs of the OS.
        std::printf("\nOne open file per connection (+ about 64 of the server's own): 100,000 needs `ulimit -n` "
                    "(LimitNOFILE=) ≥ 100,064; 1,000,000 needs ≥ 1,000,064 (under the kernel's per-process "
                    "ceiling fs.nr_open, 1,048,576 by default; fs.file-max, system-wide, must allow it too). "
                    "Each client address → server address:port pair has about 28,000 ephemeral ports "
                    "(32768–60999): real clients come from many addresses, but a load test from one host needs "
                    "n / 28,000 address pairs (4 for 100,000, 36 for 1,000,000) or a wider "
                    "net.ipv4.ip_local_port_range. Idle sockets' kernel buffers are not in the RSS above.\n");
    }
}

using Results = std::map<std::string, std::map<std::string, std::map<std::string, std::string>>>; // server, scenario, key

// After the table, when cluster runs are in it (scripts/bench --scenarios cluster-fanout,cluster-many):
// the cluster against one node, and the many-connections cluster's figures.
void clusterTables(const Results &results, const std::function<std::string(double, int)> &format)
{
    auto value = [&](const std::string &server, const std::string &scenario, const std::string &key) -> double {
        const auto s = results.find(server);
        if (s == results.end() || !s->second.count(scenario))
            return NAN;
        const auto &fields = s->second.at(scenario);
        const auto k = fields.find(key);
        return k == fields.end() ? NAN : std::strtod(k->second.c_str(), nullptr);
    };
    auto text = [&](const std::string &server, const std::string &scenario, const std::string &key) -> std::string {
        const auto s = results.find(server);
        if (s == results.end() || !s->second.count(scenario))
            return "?";
        const auto &fields = s->second.at(scenario);
        const auto k = fields.find(key);
        return k == fields.end() ? "?" : k->second;
    };
    auto cells = [&](const std::string &server, const std::string &scenario, const std::vector<std::string> &keys, int decimals) {
        std::string cell;
        for (std::size_t i = 0; i < keys.size(); ++i)
            cell += (i ? " / " : "") + format(value(server, scenario, keys[i]), decimals);
        return cell;
    };
    bool header = false;
    for (const char *window : {"8", "1"}) {
        const std::string scenario = std::string("fanout") + window;
        if (std::isnan(value("cluster", scenario, "deliveries_per_s")))
            continue;
        if (!header) {
            std::printf("\n| cluster-fanout | one node | 3 nodes | 3 nodes against one |\n|---|---|---|---|\n");
            header = true;
        }
        const std::string shape = "1 → " + format(value("cluster", scenario, "members"), 0) + " members, " + window + " in flight";
        auto ratio = [&](const std::string &key) {
            const double one = value("single", scenario, key), three = value("cluster", scenario, key);
            return std::isnan(one) || one == 0 ? std::string("–") : fixed(three / one, 2) + "×";
        };
        auto added = [&](const std::vector<std::string> &keys) {
            std::string cell;
            for (std::size_t i = 0; i < keys.size(); ++i) {
                const double delta = value("cluster", scenario, keys[i]) - value("single", scenario, keys[i]);
                cell += (i ? " / " : "") + std::string(delta >= 0 ? "+" : "") + format(delta, 2);
            }
            return cell + " ms";
        };
        std::printf("| %s: deliveries/s | %s | %s | %s |\n", shape.c_str(), cells("single", scenario, {"deliveries_per_s"}, 0).c_str(),
                    cells("cluster", scenario, {"deliveries_per_s"}, 0).c_str(), ratio("deliveries_per_s").c_str());
        std::printf("| the same: p50 / p99 ms from send to each delivery | %s | %s | %s |\n",
                    cells("single", scenario, {"delivery_p50_ms", "delivery_p99_ms"}, 2).c_str(),
                    cells("cluster", scenario, {"delivery_p50_ms", "delivery_p99_ms"}, 2).c_str(),
                    added({"delivery_p50_ms", "delivery_p99_ms"}).c_str());
        std::printf("| the same: p50 / p99 ms until all members have it | %s | %s | %s |\n",
                    cells("single", scenario, {"p50_ms", "p99_ms"}, 2).c_str(), cells("cluster", scenario, {"p50_ms", "p99_ms"}, 2).c_str(),
                    added({"p50_ms", "p99_ms"}).c_str());
        std::printf("| the same: CPU µs per 1,000 deliveries, every process | %s | %s | %s |\n",
                    cells("single", scenario, {"cpu_us_per_1000"}, 0).c_str(), cells("cluster", scenario, {"cpu_us_per_1000"}, 0).c_str(),
                    ratio("cpu_us_per_1000").c_str());
        std::printf("| the same: n1 (the sender's) / n2 / n3 / redis-server | – | %s | |\n",
                    cells("cluster", scenario, {"cpu_us_per_1000_n1", "cpu_us_per_1000_n2", "cpu_us_per_1000_n3", "cpu_us_per_1000_redis"}, 0).c_str());
        std::printf("| the same: cores used by the server(s) / the load generator | %s | %s | |\n",
                    cells("single", scenario, {"server_cores", "loadgen_cores"}, 2).c_str(),
                    cells("cluster", scenario, {"server_cores", "loadgen_cores"}, 2).c_str());
    }
    if (header)
        std::printf("\nMessages the nodes could not send to the bus (/health cluster.dropped, n1,n2,n3): %s\n",
                    text("cluster", "cluster-fanout", "dropped").c_str());

    if (std::isnan(value("cluster", "cluster-many", "connections")))
        return;
    const int nodes = int(value("cluster", "cluster-many", "nodes"));
    std::string rss, cpu;
    for (int n = 1; n <= nodes; ++n) {
        rss += (n > 1 ? " / " : "") + format(value("cluster", "broadcast", "rss_kib_n" + std::to_string(n)) / 1024, 0);
        cpu += (n > 1 ? " / " : "") + format(value("cluster-n" + std::to_string(n), "many", "cpu_us_per_connection"), 0);
    }
    const double connections = value("cluster", "cluster-many", "connections");
    std::printf("\n| cluster-many | |\n|---|---|\n");
    std::printf("| connections held, nodes, rooms (each on every node) | %s on %d nodes, %s rooms of %s |\n", format(connections, 0).c_str(), nodes,
                format(value("cluster", "cluster-many", "rooms"), 0).c_str(),
                format(connections / value("cluster", "cluster-many", "rooms"), 0).c_str());
    std::printf("| set-up (connect + handshake + join, every load generator): s / connections/s | %s / %s |\n",
                format(value("cluster", "cluster-many", "setup_s"), 1).c_str(), format(value("cluster", "cluster-many", "connections_per_s"), 0).c_str());
    std::printf("| server CPU µs per connection, each node (n1 / … / n%d) | %s |\n", nodes, cpu.c_str());
    std::printf("| RSS MiB per node, all connections held (n1 / … / n%d) | %s |\n", nodes, rss.c_str());
    std::printf("| KiB of RSS per connection (all nodes, over a fresh node's %s MiB) | %s |\n",
                format(value("cluster-n1", "many", "rss_base_kib") / 1024, 0).c_str(), [&] {
                    double sum = 0;
                    for (int n = 1; n <= nodes; ++n)
                        sum += value("cluster", "broadcast", "rss_kib_n" + std::to_string(n)) - value("cluster-n" + std::to_string(n), "many", "rss_base_kib");
                    return format(sum / connections, 1);
                }().c_str());
    std::printf("| Redis used_memory KiB: fresh cluster / all connections held | %s / %s |\n",
                format(value("cluster", "cluster-many", "redis_used_memory_kib_before"), 0).c_str(),
                format(value("cluster", "cluster-many", "redis_used_memory_kib"), 0).c_str());
    std::printf("| one broadcast per room (REST, one keep-alive connection to n1): ms until all POSTs answered | %s |\n",
                format(value("cluster", "broadcast", "posted_ms"), 1).c_str());
    std::printf("| connections that got the broadcast (each load generator waits up to 120 s) | %s of %s |\n",
                format(value("cluster", "cluster-many", "received"), 0).c_str(), format(connections, 0).c_str());
    std::printf("| ms from the first POST until the last of them has it | %s |\n",
                format(value("cluster", "cluster-many", "broadcast_last_ms"), 1).c_str());
    std::printf("| the same, each delivery: p50 / p99 ms (the slowest load generator's) | %s / %s |\n",
                format(value("cluster", "cluster-many", "broadcast_p50_ms"), 1).c_str(), format(value("cluster", "cluster-many", "broadcast_p99_ms"), 1).c_str());
    std::printf("| Redis output buffer toward a subscribed node, peak bytes seen: during set-up / during the broadcast; the limit (pubsub hard:soft:seconds) | %s / %s; %s |\n",
                format(value("cluster", "cluster-many", "pubsub_omem_max_setup"), 0).c_str(),
                format(value("cluster", "cluster-many", "pubsub_omem_max"), 0).c_str(), text("cluster", "cluster-many", "pubsub_limit").c_str());
    std::printf("| subscribers Redis closed over that limit; each node's Redis link drops (n1,…); /health dropped per node after | %s; %s; %s |\n",
                text("cluster", "cluster-many", "buffer_limit_disconnections").c_str(), text("cluster", "cluster-many", "redis_link_downs").c_str(),
                text("cluster", "cluster-many", "dropped_after").c_str());
    std::printf("| s waited after set-up until every node was on Redis and saw the others (/health) | %s |\n",
                text("cluster", "cluster-many", "settle_s").c_str());
    std::printf("| peers a node declared gone (no heartbeat for 8 s) during the run, per node | %s |\n",
                text("cluster", "cluster-many", "peer_losses").c_str());
}

// --table: "result" lines of several servers as one Markdown table, with ratios to ws.
int table(const std::string &file)
{
    std::ifstream in(file);
    if (!in)
        fail("cannot read " + file);
    Results results;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("result ", 0) != 0)
            continue;
        std::istringstream words(line.substr(7));
        std::map<std::string, std::string> fields;
        std::string word;
        while (words >> word) {
            const std::size_t eq = word.find('=');
            if (eq != std::string::npos)
                fields[word.substr(0, eq)] = word.substr(eq + 1);
        }
        results[fields["server"]][fields["scenario"]] = fields;
    }
    const std::vector<std::pair<std::string, std::string>> servers{{"cortado", "Cortado"}, {"ws", "`ws`"}, {"socketio", "Socket.IO"}};
    auto value = [&](const std::string &server, const std::string &scenario, const std::string &key) -> double {
        const auto s = results.find(server);
        if (s == results.end())
            return NAN;
        const auto sc = s->second.find(scenario);
        if (sc == s->second.end())
            return NAN;
        const auto k = sc->second.find(key);
        return k == sc->second.end() ? NAN : std::strtod(k->second.c_str(), nullptr);
    };
    auto format = [](double v, int decimals) -> std::string {
        if (std::isnan(v))
            return "–";
        std::string digits = fixed(v, decimals);
        // Thousands separators on the integer part.
        const std::size_t dot = digits.find('.');
        std::size_t end = dot == std::string::npos ? digits.size() : dot;
        const std::size_t begin = digits[0] == '-' ? 1 : 0;
        for (std::size_t i = end; i > begin + 3; i -= 3) {
            digits.insert(i - 3, ",");
        }
        return digits;
    };
    auto any = [&](const std::string &scenario, const std::string &key) -> std::string {
        for (const auto &[server, name] : servers) {
            const double v = value(server, scenario, key);
            if (!std::isnan(v))
                return format(v, 0);
        }
        return "?";
    };
    // Only cluster runs (scripts/bench --scenarios cluster-*): their tables alone.
    if (!results.count("cortado") && !results.count("ws") && !results.count("socketio")) {
        clusterTables(results, format);
        return 0;
    }
    std::printf("| scenario | Cortado | `ws` | Socket.IO | Cortado ÷ ws | Socket.IO ÷ ws |\n");
    std::printf("|---|---|---|---|---|---|\n");
    auto row = [&](const std::string &title, const std::string &scenario, const std::vector<std::string> &keys, int decimals) {
        bool anyValue = false;
        std::string cells;
        std::vector<double> first;
        for (const auto &[server, name] : servers) {
            std::string cell;
            for (std::size_t i = 0; i < keys.size(); ++i) {
                const double v = value(server, scenario, keys[i]);
                anyValue |= !std::isnan(v);
                cell += (i ? " / " : "") + format(v, decimals);
            }
            cells += " " + cell + " |";
        }
        if (!anyValue)
            return;
        for (const std::string &server : {std::string("cortado"), std::string("socketio")}) {
            std::string ratio;
            for (std::size_t i = 0; i < keys.size(); ++i) {
                const double v = value(server, scenario, keys[i]), base = value("ws", scenario, keys[i]);
                ratio += (i ? " / " : "") + (std::isnan(v) || std::isnan(base) || base == 0 ? std::string("–") : fixed(v / base, 2) + "×");
            }
            cells += " " + ratio + " |";
        }
        std::printf("| %s |%s\n", title.c_str(), cells.c_str());
    };
    for (const char *window : {"8", "1"}) {
        const std::string scenario = std::string("fanout") + window;
        const std::string members = any(scenario, "members");
        const std::string shape = "fan-out 1 → " + members + " members, " + window + " in flight";
        row(shape + ": server CPU µs per 1,000 deliveries", scenario, {"cpu_us_per_1000"}, 0);
        row(shape + ": deliveries/s", scenario, {"deliveries_per_s"}, 0);
        row(shape + ": p50 / p99 ms until all members have it", scenario, {"p50_ms", "p99_ms"}, 1);
    }
    const std::string echoConnections = any("echo", "connections");
    row("echo, " + echoConnections + " connections each in its own room: server CPU µs per 1,000 requests", "echo", {"cpu_us_per_1000"}, 0);
    row("echo: requests/s (saturation)", "echo", {"requests_per_s"}, 0);
    row("echo at a fixed rate (~50 % of each server's saturation): requests/s", "rate", {"achieved_per_s"}, 0);
    row("the same: p50 / p99 / p99.9 ms", "rate", {"p50_ms", "p99_ms", "p999_ms"}, 2);
    row("idle: KiB of server RSS per connection at " + any("idle", "connections") + " (rooms of " + any("idle", "room_size") + ")", "idle", {"kib_per_connection"}, 1);
    row("connection set-up (connect + join, rooms of " + any("storm", "room_size") + "): server CPU µs per connection", "storm", {"cpu_us_per_connection"}, 0);
    row("the same: connections/s", "storm", {"connections_per_s"}, 0);
    row("many connections on one node: connections held", "many", {"connections"}, 0);
    row("the same: connections/s while setting them up", "many", {"connections_per_s"}, 0);
    row("the same: server RSS KiB at rest / with them", "many", {"rss_base_kib", "rss_kib"}, 0);
    row("the same: KiB of server RSS per connection", "many", {"kib_per_connection"}, 1);
    row("the same: server CPU µs per connection (connect + join)", "many", {"cpu_us_per_connection"}, 0);
    sizing(results, servers);
    clusterTables(results, format);
    return 0;
}

std::vector<std::string> parseWords(const std::string &text)
{
    std::vector<std::string> words;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            words.push_back(item);
    return words;
}

std::vector<int> parseList(const std::string &text)
{
    std::vector<int> values;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        values.push_back(std::atoi(item.c_str()));
    return values;
}

void usage()
{
    std::fprintf(stderr,
                 "usage: cortado-loadgen --url ws://HOST:PORT/PATH --scenario fanout|echo|rate|idle|storm|many|broadcast [options]\n"
                 "       cortado-loadgen --table RESULTS-FILE\n"
                 "  --flavour cortado|socketio   how events are framed (cortado: also the ws peer) [cortado]\n"
                 "  --server-pid PID             the server process whose CPU and memory are read from /proc\n"
                 "  --label NAME                 the server's name in the result line\n"
                 "  --members N                  fanout: room members, the sender among them [1000]\n"
                 "  --windows 8,1                fanout: messages in flight, one measurement each [8,1]\n"
                 "  --connections N              echo/rate [100], idle [10000], storm [2000], many [19000]\n"
                 "  --room-size N                idle/storm/many: connections per room [100]\n"
                 "  --rate R                     rate: messages/s; default: --rate-fraction of a saturation probe\n"
                 "  --rate-fraction F            [0.5]\n"
                 "  --warmup S --duration S      seconds before and of the measurement [1, 5]\n"
                 "  --concurrency N              connections being set up at once [128]\n"
                 "  --addresses A,B,...          connect to these IPv4 addresses in turn (same port; the server\n"
                 "                               listening on 0.0.0.0) instead of the --url host\n"
                 "  --source-addresses A,B,...   bind each connection to these local addresses in turn\n"
                 "  --hold S                     idle/storm/many: keep the connections open S s after the result\n"
                 "  --url U1,U2,...              several servers (a cluster's nodes, same path): connections go\n"
                 "                               to each in turn, the first (fanout: the sender) to U1\n"
                 "  --watch NAME=PID,...         more processes (other nodes, redis-server) whose CPU counts in\n"
                 "                               the server CPU and is reported as cpu_us_per_1000_NAME (fanout);\n"
                 "                               many: their RSS as rss_kib_NAME\n"
                 "  --rooms N                    idle/storm/many: connection i joins room-<i %% N> instead of\n"
                 "                               blocks of --room-size\n"
                 "  --await-broadcast S          many: then wait up to S s until every connection has one\n"
                 "                               chat:message from --scenario broadcast (a broadcast-received line)\n"
                 "  --scenario broadcast --rooms N --token T\n"
                 "                               POST a chat:message to /api/rooms/room-<i>/broadcast, i < N, on\n"
                 "                               the first --url's server, stamped with the send time\n");
}

Options parseOptions(int argc, char **argv)
{
    Options options;
    std::string url;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                fail(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--url") url = next();
        else if (arg == "--flavour") {
            const std::string flavour = next();
            if (flavour == "cortado" || flavour == "ws") options.flavour = Flavour::Cortado;
            else if (flavour == "socketio") options.flavour = Flavour::SocketIo;
            else fail("--flavour must be cortado or socketio, not " + flavour);
        }
        else if (arg == "--scenario") options.scenario = next();
        else if (arg == "--server-pid") options.serverPid = std::atol(next().c_str());
        else if (arg == "--label") options.label = next();
        else if (arg == "--members") options.members = std::atoi(next().c_str());
        else if (arg == "--windows") options.windows = parseList(next());
        else if (arg == "--connections") options.connections = std::atoi(next().c_str());
        else if (arg == "--room-size") options.roomSize = std::atoi(next().c_str());
        else if (arg == "--rate") options.rate = std::atof(next().c_str());
        else if (arg == "--rate-fraction") options.rateFraction = std::atof(next().c_str());
        else if (arg == "--warmup") options.warmup = std::atof(next().c_str());
        else if (arg == "--duration") options.duration = std::atof(next().c_str());
        else if (arg == "--concurrency") options.concurrency = std::max(1, std::atoi(next().c_str()));
        else if (arg == "--addresses" || arg == "--source-addresses") {
            std::vector<std::string> words = parseWords(next());
            if (words.empty())
                fail(arg + " needs at least one IPv4 address");
            (arg == "--addresses" ? options.addresses : options.sources) = std::move(words);
        }
        else if (arg == "--hold") options.hold = std::atof(next().c_str());
        else if (arg == "--watch") {
            for (const std::string &word : parseWords(next())) {
                const std::size_t eq = word.find('=');
                const long pid = eq == std::string::npos ? 0 : std::atol(word.c_str() + eq + 1);
                if (eq == 0 || pid <= 0)
                    fail("--watch: each entry must be NAME=PID, not " + word);
                options.watch.emplace_back(word.substr(0, eq), pid);
            }
        }
        else if (arg == "--rooms") options.rooms = std::atoi(next().c_str());
        else if (arg == "--await-broadcast") options.awaitBroadcast = std::atof(next().c_str());
        else if (arg == "--token") options.token = next();
        else if (arg == "--help" || arg == "-h") { usage(); std::exit(0); }
        else { usage(); fail("unknown argument " + arg); }
    }
    const std::vector<std::string> urls = parseWords(url);
    if (urls.empty())
        fail("--url must be ws://HOST:PORT/PATH");
    for (const std::string &each : urls) {
        if (each.rfind("ws://", 0) != 0)
            fail("--url must be ws://HOST:PORT/PATH, not " + each);
        const std::string rest = each.substr(5);
        const std::size_t slash = rest.find('/');
        const std::string authority = rest.substr(0, slash);
        const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
        const std::size_t colon = authority.rfind(':');
        if (colon == std::string::npos)
            fail("--url needs a port: " + each);
        if (!options.endpoints.empty() && path != options.path)
            fail("--url: every URL must have the same path");
        options.path = path;
        options.endpoints.push_back({authority.substr(0, colon), std::atoi(authority.c_str() + colon + 1)});
    }
    options.host = options.endpoints.front().host;
    options.port = options.endpoints.front().port;
    if (options.endpoints.size() > 1 && !options.addresses.empty())
        fail("--addresses needs a single --url (it replaces that URL's host)");
    if (options.members < 1 || options.windows.empty())
        fail("--members and --windows must be positive");
    return options;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 3 && std::string(argv[1]) == "--table")
        return table(argv[2]);
    const Options options = parseOptions(argc, argv);
    // Use every file the hard limit allows (10,000 idle connections need more than the usual 1,024).
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    ServerProbe probe{options.serverPid, options.watch};
    if (options.scenario == "fanout")
        fanout(options, probe);
    else if (options.scenario == "echo")
        echo(options, probe);
    else if (options.scenario == "rate")
        fixedRate(options, probe);
    else if (options.scenario == "idle" || options.scenario == "storm" || options.scenario == "many")
        connections(options, probe, options.scenario);
    else if (options.scenario == "broadcast")
        broadcast(options);
    else
        fail("--scenario must be fanout, echo, rate, idle, storm, many or broadcast");
    return 0;
}
