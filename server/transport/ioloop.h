#pragma once

#include "cortado/protocol.h"
#include "core/session.h"
#include "transport/stream.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QSemaphore>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <vector>

namespace cortado {

class SocketLink;
class WebSocketConnection;
class WebSocketFrontend;

// Every limit of the WebSocket layer; docs/security.md ("WebSocket frames and queues") lists them
// with what a client sees; docs/configuration.md has their options and environment variables.
struct WebSocketLimits
{
    qint64 maxMessageSize = protocol::DefaultMaxMessageSize; // larger messages close with 1009
    qint64 maxQueuedBytes = 1024 * 1024; // unwritten bytes per socket; more → 4101, queue dropped
    int maxPingsPerSecond = 10; // more → 1008
    int maxFragments = 1024; // frames in one fragmented message; more → 1008
    int fragmentTimeoutMs = 10'000; // first to last fragment of a message; longer → 1008
    int pingIntervalMs = 25'000; // heartbeat sweep: silent sockets are pinged, silent twice → 4103; 0: off
    int closeTimeoutMs = 5'000; // after our close frame: wait this long for the client's, then drop TCP
};

// What the hub's thread asks of a socket on an I/O loop. Executed in the order posted.
struct LoopCommand
{
    enum Kind : quint8 { Adopt, Text, Close, Pause, Resume, Drained, Release };
    LoopCommand(Kind kind, SocketLink *link, QByteArray bytes = {}) : kind(kind), link(link), bytes(std::move(bytes)) { }

    Kind kind;
    SocketLink *link;
    // Text: more sockets for the same message (a broadcast: one command per loop, not per socket).
    std::vector<SocketLink *> alsoTo;
    QByteArray bytes; // Text: the message; Adopt: the 101 response
    QByteArray buffered; // Adopt: frames the client sent right behind its handshake
    int code = 0; // Close; Adopt: the descriptor
    QString reason; // Close; Adopt: the socket id (for logs)
};

// What a socket on an I/O loop tells the hub's thread. Delivered in the order reported.
struct LoopReport
{
    enum Kind : quint8 { Text, Binary, Ended, Released };
    LoopReport(Kind kind, SocketLink *link, QByteArray payload = {}, int code = 0)
        : kind(kind), link(link), payload(std::move(payload)), code(code)
    {
    }

    Kind kind;
    SocketLink *link;
    QByteArray payload; // Text
    int code = 0; // Ended: the close code the hub hears
};

// Items handed from one thread to another in batches: the sender stages them without a lock and
// hands the batch over once per event-loop pass; the receiver is woken only when it had nothing.
template <typename T>
class Mailbox
{
public:
    void stage(T item) { m_staged.push_back(std::move(item)); }
    T *lastStaged() { return m_staged.empty() ? nullptr : &m_staged.back(); }
    bool hasStaged() const { return !m_staged.empty(); }
    // Sender: true when the receiver must be woken (it had nothing waiting).
    bool handOver()
    {
        QMutexLocker locker(&m_mutex);
        const bool wasEmpty = m_shared.empty();
        if (wasEmpty) {
            m_shared.swap(m_staged);
        } else {
            m_shared.insert(m_shared.end(), std::make_move_iterator(m_staged.begin()),
                            std::make_move_iterator(m_staged.end()));
            m_staged.clear();
        }
        return wasEmpty;
    }
    // Receiver.
    std::vector<T> take()
    {
        QMutexLocker locker(&m_mutex);
        return std::exchange(m_shared, {});
    }

private:
    std::vector<T> m_staged; // sender's thread only
    QMutex m_mutex;
    std::vector<T> m_shared;
};

// One event loop that owns sockets: its epoll set, its connections, their heartbeat and the
// frame cache that lets a broadcast be framed once per loop. Loop 0 is the hub's own thread
// (commands and reports are plain calls there); loops 1..N-1 run on I/O threads, and talk to the
// hub's thread through two mailboxes. docs/architecture.md ("Threads") has the picture.
class IoLoop : public QObject
{
    Q_OBJECT

public:
    IoLoop(int index, WebSocketLimits limits, WebSocketFrontend &frontend);
    ~IoLoop() override;

    int index() const { return m_index; }
    bool isHubThread() const { return m_index == 0; }
    const WebSocketLimits &limits() const { return m_limits; }
    qint64 now() const { return m_clock.elapsed(); }
    SocketPoller &poller() { return m_poller; }
    int connectionCount() const { return m_connectionCount.loadRelaxed(); }

    // The server frame for a text message. A broadcast hands every recipient the same QByteArray,
    // so the last one is kept and its frame reused: framed once per loop, written N times.
    QByteArray frameText(const QByteArray &utf8);

    // Hub thread → this loop.
    void post(LoopCommand command);
    // This loop → hub thread.
    void report(LoopReport report);

    // This loop's thread: bookkeeping of its connections.
    void add(WebSocketConnection *connection);
    void remove(WebSocketConnection *connection);

    // Ends this loop's connections without telling the hub (it is going away too).
    void closeAll();

private:
    void execute(LoopCommand &command);
    void handOverCommands();
    void drainCommands();
    void handOverReports();
    void sweep();

    const int m_index;
    const WebSocketLimits m_limits;
    WebSocketFrontend &m_frontend;
    SocketPoller m_poller;
    QSet<WebSocketConnection *> m_connections;
    QAtomicInt m_connectionCount;
    QTimer m_heartbeat;
    QElapsedTimer m_clock;
    QByteArray m_lastText; // holding a reference keeps its address from being reused
    QByteArray m_lastFrame;
    Mailbox<LoopCommand> m_commands;
    bool m_commandHandOverPosted = false; // hub thread
    Mailbox<LoopReport> m_reports;
    bool m_reportHandOverPosted = false; // this loop's thread
};

// An I/O thread running one IoLoop.
class IoThread : public QThread
{
public:
    IoThread(int index, WebSocketLimits limits, WebSocketFrontend &frontend);
    ~IoThread() override; // stops the loop (its sockets are closed) and joins

    IoLoop &loop() { return *m_loop; }

protected:
    void run() override;

private:
    const int m_index;
    const WebSocketLimits m_limits;
    WebSocketFrontend &m_frontend;
    IoLoop *m_loop = nullptr;
    QSemaphore *m_ready = nullptr;
};

} // namespace cortado
