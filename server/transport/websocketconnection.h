#pragma once

#include "core/session.h"
#include "transport/ioloop.h"
#include "transport/stream.h"
#include "transport/websocketcodec.h"

#include <QObject>

#include <memory>
#include <optional>

namespace cortado {

// One accepted WebSocket on its I/O loop: the stream the gateway's socket became (stream.h: the
// bare TCP descriptor on the loop's SocketPoller, or Qt's socket for TLS), framed by Cortado's own
// RFC 6455 code (websocketcodec.h). Answers pings, runs the close handshake, bounds its outgoing
// queue (4101), applies back-pressure and takes part in the loop's heartbeat (4103). Messages go
// to the hub's thread as reports through its SocketLink; everything here runs on the loop's thread.
//
// Lives until the hub's side releases it (after it heard of the end).
class WebSocketConnection : public QObject, private Stream::Listener
{
    Q_OBJECT

public:
    WebSocketConnection(IoLoop &loop, std::unique_ptr<Stream> stream, SocketLink *link, SocketId id,
                        const QByteArray &buffered);
    ~WebSocketConnection() override;

    void sendText(const QByteArray &utf8);
    void close(int code, const QString &reason);
    qint64 queuedBytes() const;

    // Stops reading this socket: its data stays in the kernel, so TCP slows the sender down. For a
    // caller that cannot take more now (e.g. a full storage queue); independent of the
    // back-pressure the connection applies itself while its own outgoing queue is long.
    void pauseReading();
    void resumeReading();
    bool isReadingPaused() const { return m_paused != 0; }

    // The hub's thread caught up with this socket's messages (see reportMessage()).
    void dispatchDrained();
    // Called by the loop's heartbeat sweep.
    void heartbeat(qint64 now);
    // Ends without telling the hub (the server is going away).
    void abandon();

private:
    enum PauseReason : quint8 { Backpressure = 1, Application = 2, Dispatch = 4 };
    static constexpr int ReadsPerTurn = 4; // of SocketPoller::ReadBufferSize each

    void streamReadable() override;
    void streamWritten() override;
    void streamClosed() override;
    void processInput();
    void handle(websocket::DecodedFrame &frame);
    void reportMessage(websocket::DecodedFrame &frame);
    void write(const QByteArray &frame);
    void flushQueue();
    void sendPong();
    void dropQueue();
    void fail(int code, const QString &reason);
    void finishClose();
    void startCloseTimer();
    void setPaused(PauseReason reason, bool paused);
    void updateBackpressure();
    void publishQueuedBytes();
    void ended();
    bool isOpen() const;

    IoLoop &m_loop;
    std::unique_ptr<Stream> m_stream;
    SocketLink *m_link;
    SocketId m_id; // for logs
    websocket::FrameDecoder m_decoder;
    QList<QByteArray> m_queue; // frames waiting for room in the socket's buffer
    qint64 m_queueBytes = 0;
    std::optional<QByteArray> m_pendingPong; // at most one: a newer ping replaces it
    quint8 m_paused = 0; // PauseReason bits
    bool m_ended = false; // the hub was told (or must not be)
    bool m_closeSent = false;
    bool m_closeReceived = false;
    int m_closeCode = websocket::closecode::Abnormal; // what the hub hears
    qint64 m_fragmentStartMs = -1;
    qint64 m_pingWindowStartMs = 0;
    int m_pingsInWindow = 0;
    bool m_heardSinceSweep = false;
    bool m_pingOutstanding = false;
    bool m_drainedSinceSweep = false; // its backlog shrank while reading was paused
};

} // namespace cortado
