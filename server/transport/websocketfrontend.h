#pragma once

#include "core/connection.h"
#include "routing/dispatcher.h"
#include "routing/router.h"
#include "transport/gateway.h"
#include "transport/stream.h"
#include "transport/websocketcodec.h"

#include <QElapsedTimer>
#include <QList>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace cortado {

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

class WebSocketFrontend;

// One accepted WebSocket on the stream the gateway's socket became (stream.h: the bare TCP
// descriptor on the thread's SocketPoller, or Qt's socket for TLS), framed by Cortado's own
// RFC 6455 code (websocketcodec.h). Feeds messages to the dispatcher as UTF-8 bytes, answers
// pings, runs the close handshake, bounds its outgoing queue and applies back-pressure.
//
// Owned by (a child of) the WebSocketFrontend; deletes itself after the hub hears of its end.
class WebSocketConnection : public QObject, public Connection, private Stream::Listener
{
    Q_OBJECT

public:
    WebSocketConnection(std::unique_ptr<Stream> stream, const QString &peerAddress, const QByteArray &buffered,
                        const Router::WebSocketEntry &route, QVariantMap data,
                        WebSocketFrontend &frontend);
    ~WebSocketConnection() override;

    void sendText(const QByteArray &utf8) override;
    void close(int code, const QString &reason) override;
    qint64 queuedBytes() const override;

    // Stops reading this socket: its data stays in the kernel, so TCP slows the sender down. For a
    // caller that cannot take more now (e.g. a full storage queue); independent of the
    // back-pressure the connection applies itself while its own outgoing queue is long.
    void pauseReading();
    void resumeReading();
    bool isReadingPaused() const { return m_paused != 0; }

private:
    friend class WebSocketFrontend;
    enum PauseReason : quint8 { Backpressure = 1, Application = 2 };

    void streamReadable() override;
    void streamWritten() override;
    void streamClosed() override;
    void processInput();
    void handle(websocket::DecodedFrame &frame);
    void write(const QByteArray &frame);
    void flushQueue();
    void sendPong();
    void dropQueue();
    void fail(int code, const QString &reason);
    void finishClose();
    void startCloseTimer();
    void setPaused(PauseReason reason, bool paused);
    void updateBackpressure();
    void heartbeat(qint64 now);
    void onDisconnected();
    bool isOpen() const;

    std::unique_ptr<Stream> m_stream;
    WebSocketFrontend &m_frontend;
    const Router::WebSocketEntry &m_route;
    Session *m_session = nullptr;
    websocket::FrameDecoder m_decoder;
    QList<QByteArray> m_queue; // frames waiting for room in the socket's buffer
    qint64 m_queueBytes = 0;
    std::optional<QByteArray> m_pendingPong; // at most one: a newer ping replaces it
    quint8 m_paused = 0; // PauseReason bits
    bool m_detached = false; // the hub has heard of the end
    bool m_closeSent = false;
    bool m_closeReceived = false;
    int m_closeCode = websocket::closecode::Abnormal; // what Hub::detach hears
    qint64 m_fragmentStartMs = -1;
    qint64 m_pingWindowStartMs = 0;
    int m_pingsInWindow = 0;
    bool m_heardSinceSweep = false;
    bool m_pingOutstanding = false;
    bool m_drainedSinceSweep = false; // its backlog shrank while reading was paused
};

// Accepts the upgrades the gateway hands over: checks the handshake (400 / 426), finds the .ws
// route (404), runs the handshake middleware (401/403 before any socket exists), then writes the
// 101 itself and wraps the socket in a WebSocketConnection. One heartbeat timer serves every
// connection (a timer per socket would cost memory at 10k sockets).
class WebSocketFrontend : public QObject
{
    Q_OBJECT

public:
    WebSocketFrontend(const Router &router, Hub &hub, WebSocketLimits limits, QObject *parent = nullptr);
    ~WebSocketFrontend() override;

    // Takes the socket over: refuses the handshake, or answers 101 and opens a connection.
    void handleUpgrade(QTcpSocket *socket, const RequestHead &head);

    const WebSocketLimits &limits() const { return m_limits; }
    qsizetype connectionCount() const { return m_connections.size(); }
    // The connection of a socket id, or null (O(sockets): for operators and tests, not hot paths).
    WebSocketConnection *connection(const SocketId &id) const;
    // Heavy handlers whose result has not come back yet (bounded by RateLimits::heavyJobs).
    int heavyJobsInFlight() const { return m_dispatcher.heavyJobsInFlight(); }

private:
    friend class WebSocketConnection;

    // The server frame for a text message. A broadcast hands every recipient the same QByteArray,
    // so the last one is kept and its frame reused: framed once, written N times.
    QByteArray frameText(const QByteArray &utf8);
    qint64 now() const { return m_clock.elapsed(); }
    // The socket as a Stream: its bare descriptor on m_poller (plain TCP), or itself (TLS). Null
    // when that failed (the socket is gone then).
    std::unique_ptr<Stream> takeStream(QTcpSocket *socket);
    void sweep();
    void onRoomClosed(const QString &route, const QString &room);
    void onJoined(const Session &session, const QString &room);
    // Runs a route's connect / disconnect / join hooks, in the order they were added.
    void runHooks(const QList<SocketHook> &hooks, Session &session, std::optional<QString> room = std::nullopt);

    const Router &m_router;
    Hub &m_hub;
    Realtime m_realtime; // what hooks and handshake middleware see of the hub
    EventDispatcher m_dispatcher;
    WebSocketLimits m_limits;
    SocketPoller m_poller; // the plain-TCP sockets of this thread
    QSet<WebSocketConnection *> m_connections;
    QTimer m_heartbeat;
    QElapsedTimer m_clock;
    QByteArray m_lastText; // holding a reference keeps its address from being reused
    QByteArray m_lastFrame;
};

} // namespace cortado
