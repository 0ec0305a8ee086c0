#include "websocketconnection.h"

#include "transport/websocketfrontend.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

namespace closecode = websocket::closecode;
using websocket::DecodedFrame;


// Frames go straight into the socket while its buffer is below this; beyond it they wait in our
// own queue, which can be dropped (a slow consumer's) and lets a close frame jump ahead.
static qint64 socketHighWater(qint64 maxQueuedBytes)
{
    return qBound(qint64(4096), maxQueuedBytes / 4, qint64(64 * 1024));
}

WebSocketConnection::WebSocketConnection(IoLoop &loop, std::unique_ptr<Stream> stream, SocketLink *link,
                                         SocketId id, const QByteArray &buffered)
    : QObject(&loop),
      m_loop(loop),
      m_stream(std::move(stream)),
      m_link(link),
      m_id(std::move(id)),
      m_decoder(websocket::DecoderLimits{loop.limits().maxMessageSize, loop.limits().maxFragments})
{
    m_link->m_connection = this;
    m_stream->setListener(this, this);
    m_stream->start();
    m_loop.add(this);
    m_decoder.append(buffered); // frames the client sent right behind its handshake
    if (!buffered.isEmpty())
        QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
}

WebSocketConnection::~WebSocketConnection()
{
    m_loop.remove(this);
}

void WebSocketConnection::abandon()
{
    m_ended = true;
    m_stream->abort();
}

void WebSocketConnection::streamReadable()
{
    if (!m_paused)
        processInput();
}

void WebSocketConnection::streamWritten()
{
    // Called for every flush: only a backlog, a pong or a back-pressure pause has work here.
    if (m_queue.isEmpty() && !m_pendingPong && !(m_paused & Backpressure)) {
        publishQueuedBytes();
        return;
    }
    flushQueue();
}

void WebSocketConnection::streamClosed()
{
    ended();
}

bool WebSocketConnection::isOpen() const
{
    return !m_ended && m_stream->isConnected();
}

qint64 WebSocketConnection::queuedBytes() const
{
    return m_stream->bytesToWrite() + m_queueBytes + (m_pendingPong ? m_pendingPong->size() : 0);
}

void WebSocketConnection::sendText(const QByteArray &utf8)
{
    if (m_closeSent || m_closeReceived || !isOpen()) // RFC 6455 5.5.1: no data after a close frame
        return;
    write(m_loop.frameText(utf8));
    if (queuedBytes() > m_loop.limits().maxQueuedBytes) {
        qCInfo(lcTransport) << "socket" << m_id << "read too slowly:" << queuedBytes()
                            << "bytes queued; closing with 4101";
        close(protocol::close::SlowConsumer, u"slow consumer"_s);
        return;
    }
    updateBackpressure();
}

void WebSocketConnection::write(const QByteArray &frame)
{
    if (m_queue.isEmpty() && m_stream->bytesToWrite() < socketHighWater(m_loop.limits().maxQueuedBytes)) {
        m_stream->write(frame);
        return;
    }
    m_queue.append(frame);
    m_queueBytes += frame.size();
}

void WebSocketConnection::flushQueue()
{
    const qint64 highWater = socketHighWater(m_loop.limits().maxQueuedBytes);
    if (m_pendingPong && m_stream->bytesToWrite() < highWater)
        sendPong();
    // While the kernel's buffers are full, bytes leave only as the client acknowledges them.
    if (m_paused & Backpressure)
        m_drainedSinceSweep = true;
    while (!m_queue.isEmpty() && m_stream->bytesToWrite() < highWater) {
        const QByteArray frame = m_queue.takeFirst();
        m_queueBytes -= frame.size();
        m_stream->write(frame);
    }
    updateBackpressure();
}

void WebSocketConnection::sendPong()
{
    // A pong may go between two queued frames, ahead of the queue: control frames may
    // interleave with whole data frames.
    if (m_stream->bytesToWrite() < socketHighWater(m_loop.limits().maxQueuedBytes))
        m_stream->write(websocket::encodeFrame(websocket::Opcode::Pong, *std::exchange(m_pendingPong, std::nullopt)));
}

void WebSocketConnection::dropQueue()
{
    m_queue.clear();
    m_queueBytes = 0;
    m_pendingPong.reset();
}

void WebSocketConnection::close(int code, const QString &reason)
{
    if (m_closeSent || !isOpen())
        return;
    // From here on the socket's data frames are ignored: the client is told to go, so nothing it
    // sends now is acknowledged (and so nothing it sends now may be expected to be kept).
    m_closeSent = true;
    m_closeCode = code;
    m_pendingPong.reset();
    // A slow consumer's backlog is what we are closing it for: drop it, so the close frame comes
    // right behind what the socket already holds (at most the high-water mark).
    if (code == protocol::close::SlowConsumer)
        dropQueue();
    write(websocket::encodeClose(code, reason));
    // The client's close frame must be read even while reading was paused.
    m_paused = 0;
    QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
    startCloseTimer();
}

void WebSocketConnection::startCloseTimer()
{
    QTimer::singleShot(m_loop.limits().closeTimeoutMs, this, [this] {
        if (!m_ended)
            m_stream->abort(); // no close frame (or no reading) in time: drop TCP
    });
}

void WebSocketConnection::fail(int code, const QString &reason)
{
    qCDebug(lcTransport) << "socket" << m_id << "closed with"
                         << code << reason;
    if (!m_closeSent)
        dropQueue(); // a client that broke the protocol gets its close frame next
    close(code, reason);
    m_closeReceived = true; // read nothing more; RFC 6455 7.1.7: close the connection
    finishClose();
}

void WebSocketConnection::finishClose()
{
    // The server closes TCP first (RFC 6455 7.1.1), once the close frame is written; a client
    // that does not read it is dropped by the close timer.
    if (!m_stream->isConnected())
        return;
    for (const QByteArray &frame : std::as_const(m_queue))
        m_stream->write(frame); // the close frame may still be in our queue
    m_queue.clear();
    m_queueBytes = 0;
    m_stream->closeAfterWriting();
}

void WebSocketConnection::processInput()
{
    // A few reads per turn, then the loop's other sockets get theirs (a flooding client does not
    // hold the loop; the rest of its data waits in the kernel, and we come back to it).
    int reads = 0;
    while (isOpen() && !m_paused && !m_closeReceived) {
        DecodedFrame frame = m_decoder.next();
        if (frame.kind == DecodedFrame::Kind::NeedMore) {
            if (m_decoder.inFragmentedMessage() && m_fragmentStartMs < 0)
                m_fragmentStartMs = m_loop.now();
            if (m_fragmentStartMs >= 0
                && m_loop.now() - m_fragmentStartMs > m_loop.limits().fragmentTimeoutMs) {
                fail(closecode::PolicyViolation, u"message not finished in time"_s);
                return;
            }
            if (++reads > ReadsPerTurn) {
                QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
                return;
            }
            const QByteArrayView bytes = m_stream->read();
            if (bytes.isEmpty())
                return;
            m_decoder.append(bytes);
            continue;
        }
        handle(frame);
    }
}

void WebSocketConnection::handle(DecodedFrame &frame)
{
    using Kind = DecodedFrame::Kind;
    m_heardSinceSweep = true;
    m_pingOutstanding = false;
    switch (frame.kind) {
    case Kind::NeedMore:
        return;
    case Kind::Text:
    case Kind::Binary:
        if (m_fragmentStartMs >= 0
            && m_loop.now() - m_fragmentStartMs > m_loop.limits().fragmentTimeoutMs) {
            fail(closecode::PolicyViolation, u"message not finished in time"_s);
            return;
        }
        m_fragmentStartMs = -1;
        if (m_closeSent)
            return;
        reportMessage(frame);
        return;
    case Kind::Ping: {
        const qint64 now = m_loop.now();
        if (now - m_pingWindowStartMs >= 1000) {
            m_pingWindowStartMs = now;
            m_pingsInWindow = 0;
        }
        if (++m_pingsInWindow > m_loop.limits().maxPingsPerSecond) {
            fail(closecode::PolicyViolation, u"too many pings"_s);
            return;
        }
        if (m_closeSent)
            return;
        m_pendingPong = std::move(frame.payload);
        sendPong();
        return;
    }
    case Kind::Pong:
        return;
    case Kind::Close:
        m_closeReceived = true;
        if (!m_closeSent) { // the client started the close: echo its code
            m_closeCode = frame.code;
            m_closeSent = true;
            dropQueue(); // it is leaving: what it did not get yet no longer matters
            write(frame.code == closecode::NoStatus ? websocket::encodeFrame(websocket::Opcode::Close, {})
                                                    : websocket::encodeClose(frame.code, {}));
            startCloseTimer();
        }
        finishClose();
        return;
    case Kind::Error:
        fail(frame.code, frame.reason);
        return;
    }
}

void WebSocketConnection::reportMessage(DecodedFrame &frame)
{
    const auto kind = frame.kind == DecodedFrame::Kind::Text ? LoopReport::Text : LoopReport::Binary;
    if (m_loop.isHubThread()) { // dispatched right here: nothing is in flight
        m_loop.report(LoopReport(kind, m_link, std::move(frame.payload)));
        return;
    }
    // Messages handed to the hub's thread and not dispatched yet are bounded per socket: beyond
    // the bound, reading stops until the hub has caught up (TCP then slows the client down).
    const qint64 cost = SocketLink::messageCost(frame.payload);
    const qint64 inFlight = m_link->m_inFlightBytes.fetch_add(cost) + cost;
    m_loop.report(LoopReport(kind, m_link, std::move(frame.payload)));
    const qint64 limit = m_link->maxInFlightBytes(m_loop.limits());
    if (inFlight <= limit)
        return;
    // Ask first, then look: the hub's side subtracts first, then answers an ask (SocketLink).
    m_link->m_wantsDrained.store(true);
    if (m_link->m_inFlightBytes.load() > limit)
        setPaused(Dispatch, true);
}

void WebSocketConnection::dispatchDrained()
{
    setPaused(Dispatch, false);
}

void WebSocketConnection::setPaused(PauseReason reason, bool paused)
{
    const bool wasPaused = m_paused;
    m_paused = paused ? (m_paused | reason) : (m_paused & ~reason);
    if (wasPaused && !m_paused) // data may have waited in Qt's buffer or the decoder
        QMetaObject::invokeMethod(this, &WebSocketConnection::processInput, Qt::QueuedConnection);
}

void WebSocketConnection::pauseReading()
{
    setPaused(Application, true);
}

void WebSocketConnection::resumeReading()
{
    setPaused(Application, false);
}

void WebSocketConnection::updateBackpressure()
{
    publishQueuedBytes();
    if (m_closeSent)
        return; // a closing socket is read until the client's close frame arrives
    // Stop reading above half the limit, read again below a quarter (not flapping at the line).
    const qint64 queued = queuedBytes();
    const qint64 limit = m_loop.limits().maxQueuedBytes;
    if (!(m_paused & Backpressure) && queued > limit / 2)
        setPaused(Backpressure, true);
    else if ((m_paused & Backpressure) && queued <= limit / 4)
        setPaused(Backpressure, false);
}

void WebSocketConnection::heartbeat(qint64 now)
{
    if (!isOpen() || m_closeSent)
        return;
    // A message left unfinished by a client that then went quiet is caught here.
    if (m_fragmentStartMs >= 0 && now - m_fragmentStartMs > m_loop.limits().fragmentTimeoutMs) {
        fail(closecode::PolicyViolation, u"message not finished in time"_s);
        return;
    }
    // Its frames are not being read, so its silence says nothing: a socket paused by its owner is
    // left alone, one paused by its own backlog counts as alive while that backlog drains.
    if (m_paused & Application)
        return;
    if ((m_paused & Backpressure) && std::exchange(m_drainedSinceSweep, false)) {
        m_pingOutstanding = false;
        return;
    }
    if (std::exchange(m_heardSinceSweep, false)) {
        m_pingOutstanding = false;
        return;
    }
    if (m_pingOutstanding) {
        qCInfo(lcTransport) << "socket" << m_id << "did not answer a ping; closing with 4103";
        close(protocol::close::NoHeartbeat, u"no heartbeat"_s);
        return;
    }
    m_pingOutstanding = true;
    write(websocket::encodeFrame(websocket::Opcode::Ping, {}));
}

void WebSocketConnection::publishQueuedBytes()
{
    if (!m_loop.isHubThread()) // on the hub's thread the link asks queuedBytes() itself
        m_link->m_queuedBytes.store(queuedBytes(), std::memory_order_relaxed);
}

void WebSocketConnection::ended()
{
    if (std::exchange(m_ended, true))
        return;
    dropQueue();
    // Ours when we closed, the client's when it did, 1006 when TCP ended without a close frame.
    // The hub's side answers with a release, which deletes this connection.
    m_loop.report(LoopReport(LoopReport::Ended, m_link, {}, m_closeCode));
}

} // namespace cortado
