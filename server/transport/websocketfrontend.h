#pragma once

#include "core/connection.h"
#include "routing/dispatcher.h"
#include "routing/router.h"
#include "transport/gateway.h"
#include "transport/ioloop.h"
#include "transport/stream.h"
#include "transport/websocketcodec.h"

#include <QList>
#include <QSet>

#include <atomic>

#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace cortado {

class IoThread;
class WebSocketConnection;

// A socket as the hub sees it (its Connection), on the hub's thread: forwards sends and closes to
// the socket's I/O loop (plain calls on loop 0, batched commands to an I/O thread) and hears its
// messages and its end back. Owned by the WebSocketFrontend from the handshake until the loop
// has released the socket.
class SocketLink final : public Connection
{
public:
    SocketLink(WebSocketFrontend &frontend, IoLoop &loop, const Router::WebSocketEntry &route)
        : m_frontend(frontend), m_loop(loop), m_route(route)
    {
    }

    void sendText(const QByteArray &utf8) override;
    void close(int code, const QString &reason) override;
    qint64 queuedBytes() const override;

    IoLoop &loop() const { return m_loop; }

    // How much of a socket's messages may wait for the hub's thread before its loop stops reading
    // it, and what one message counts for: about 16 small messages, or one of the largest. Small,
    // because their answers are not counted by back-pressure until they come back.
    static qint64 maxInFlightBytes(const WebSocketLimits &limits) { return 16 * 4096 + limits.maxMessageSize; }
    static qint64 messageCost(const QByteArray &payload) { return payload.size() + 4096; }
    Session *session() const { return m_session; }

private:
    friend class IoLoop;
    friend class WebSocketConnection;
    friend class WebSocketFrontend;

    WebSocketFrontend &m_frontend;
    IoLoop &m_loop;
    const Router::WebSocketEntry &m_route;
    Session *m_session = nullptr; // until the end is reported
    bool m_readingPaused = false; // by the application
    std::unique_ptr<QObject> m_addressSlot; // keeps the address counted by the gateway
    // The loop's thread only: the socket itself (set when the loop adopts it).
    WebSocketConnection *m_connection = nullptr;
    // Written by the loop, read by the hub's thread (operators' views, tests).
    std::atomic<qint64> m_queuedBytes = 0;
    // Messages reported by the loop and not dispatched yet, and whether the loop stopped reading
    // until they are (I/O threads only).
    std::atomic<qint64> m_inFlightBytes = 0;
    std::atomic<bool> m_wantsDrained = false;
};

// Accepts the upgrades the gateway hands over: checks the handshake (400 / 426), finds the .ws
// route (404), runs the handshake middleware (401/403 before any socket exists), attaches the
// session to the hub, then hands the socket and its 101 to one of the I/O loops (round robin; a
// TLS socket stays on the hub's thread, where Qt's socket lives). Runs the route's hooks and
// dispatches every socket's messages on the hub's thread: handlers see one thread.
class WebSocketFrontend : public QObject
{
    Q_OBJECT

public:
    // `ioThreads`: event loops that own sockets, the hub's own thread included (1: no extra thread).
    WebSocketFrontend(const Router &router, Hub &hub, WebSocketLimits limits, int ioThreads = 1,
                      QObject *parent = nullptr);
    ~WebSocketFrontend() override;

    // Takes the socket over: refuses the handshake, or answers 101 and hands it to a loop.
    void handleUpgrade(QTcpSocket *socket, const RequestHead &head);

    const WebSocketLimits &limits() const { return m_limits; }
    int ioThreads() const { return int(m_loops.size()); }
    qsizetype connectionCount() const { return m_links.size(); }
    // Open sockets on each loop (index 0: the hub's thread).
    QList<int> connectionsPerLoop() const;
    // Stops / resumes reading a socket (see WebSocketConnection::pauseReading); false: no such socket.
    bool setReadingPaused(const SocketId &id, bool paused);
    bool isReadingPaused(const SocketId &id) const;
    // Heavy handlers whose result has not come back yet (bounded by RateLimits::heavyJobs).
    int heavyJobsInFlight() const { return m_dispatcher.heavyJobsInFlight(); }

private:
    friend class IoLoop;
    friend class SocketLink;

    // Takes the socket from Qt: its bare descriptor (plain TCP: `descriptor` set, no stream), or
    // the socket itself as a stream (TLS). False when that failed (the socket is gone then).
    bool takeSocket(QTcpSocket *socket, int *descriptor, std::unique_ptr<Stream> *stream);
    IoLoop &nextLoop();
    // A loop's report, on the hub's thread.
    void onReport(LoopReport &report);
    SocketLink *link(const SocketId &id) const;
    void onRoomClosed(const QString &route, const QString &room);
    void onJoined(const Session &session, const QString &room);
    // Runs a route's connect / disconnect / join hooks, in the order they were added.
    void runHooks(const QList<SocketHook> &hooks, Session &session, std::optional<QString> room = std::nullopt);

    const Router &m_router;
    Hub &m_hub;
    Realtime m_realtime; // what hooks and handshake middleware see of the hub
    EventDispatcher m_dispatcher;
    WebSocketLimits m_limits;
    std::unique_ptr<IoLoop> m_hubLoop; // loop 0
    std::vector<std::unique_ptr<IoThread>> m_threads; // loops 1..N-1
    std::vector<IoLoop *> m_loops; // all of them, by index
    int m_nextLoop = 0;
    QSet<SocketLink *> m_links; // from the handshake until released
};

} // namespace cortado
