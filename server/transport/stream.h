#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QVarLengthArray>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
class QTcpSocket;
QT_END_NAMESPACE

struct epoll_event;

namespace cortado {

// The byte stream under one WebSocket: what WebSocketConnection reads its frames from and writes
// its frames to. Two kinds:
//   - TcpStream: the plain TCP socket's descriptor, on the thread's SocketPoller (epoll). No
//     QTcpSocket: no Qt buffering, no per-socket notifiers or signals, a few hundred bytes a socket.
//   - QtSocketStream: a QTcpSocket (in practice a QSslSocket: TLS stays with Qt).
// Both report to a Listener; end-of-stream is always reported from the event loop (queued),
// never from inside a call the listener made.
class Stream
{
public:
    class Listener
    {
    public:
        // Bytes arrived (edge: call read() until it answers empty).
        virtual void streamReadable() = 0;
        // Some queued bytes left for the network.
        virtual void streamWritten() = 0;
        // The connection ended (peer closed, reset, or our close/abort finished).
        virtual void streamClosed() = 0;

    protected:
        ~Listener() = default;
    };

    virtual ~Stream() = default;

    // `owner` is the listener's QObject: queued notifications are dropped once it is gone.
    void setListener(Listener *listener, QObject *owner)
    {
        m_listener = listener;
        m_owner = owner;
    }

    // The next bytes, valid until the next call; empty when nothing is there now.
    virtual QByteArrayView read() = 0;
    // Queues bytes for the network (implicitly shared: a broadcast frame is not copied).
    virtual void write(const QByteArray &bytes) = 0;
    // Bytes queued and not yet handed to the kernel.
    virtual qint64 bytesToWrite() const = 0;
    virtual bool isConnected() const = 0;
    // Writes what is queued, then closes (as QAbstractSocket::disconnectFromHost()).
    virtual void closeAfterWriting() = 0;
    // Closes now, dropping what is queued.
    virtual void abort() = 0;
    // Starts reporting to the listener (after setListener()).
    virtual void start() { }

protected:
    void notifyClosedLater();

    Listener *m_listener = nullptr;
    QObject *m_owner = nullptr;
};

class TcpStream;

// One epoll set per thread, watched by a single QSocketNotifier on the epoll descriptor: the Qt
// event loop polls one descriptor however many sockets there are (Qt 6.4's UNIX dispatcher
// otherwise poll()s every socket on every pass), and a wake-up costs only the sockets that are
// ready. Writes are gathered per socket and flushed once per event-loop pass (one send per socket
// per pass however many frames it got in that pass). Sockets are edge-triggered for reading and
// writing: one registration per socket for its whole life.
class SocketPoller : public QObject
{
    Q_OBJECT

public:
    explicit SocketPoller(QObject *parent = nullptr);
    ~SocketPoller() override;

    bool isValid() const { return m_epoll >= 0; }
    // Bytes read from a socket at once (and what Qt may buffer for a QtSocketStream): small, so a
    // paused socket leaves its data in the kernel and TCP flow control slows the sender.
    static constexpr qsizetype ReadBufferSize = 64 * 1024;

private:
    friend class TcpStream;

    bool add(TcpStream *stream);
    void remove(TcpStream *stream);
    void markDirty(TcpStream *stream);
    void dispatch();
    void flushDirty();
    char *readBuffer() { return m_readBuffer.data(); }

    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    QList<TcpStream *> m_dirty; // written to in this pass, flushed at its end
    bool m_flushPosted = false;
    // The batch being dispatched: a stream removed meanwhile is blanked out of it.
    epoll_event *m_batch = nullptr;
    int m_batchSize = 0;
    QByteArray m_readBuffer; // shared by the thread's sockets: read() hands out a view of it
};

class TcpStream final : public Stream
{
public:
    // Takes the descriptor over (closes it when done). `peerAddress` is kept for logs.
    TcpStream(SocketPoller &poller, int descriptor);
    ~TcpStream() override;

    bool isRegistered() const { return m_descriptor >= 0; }

    QByteArrayView read() override;
    void write(const QByteArray &bytes) override;
    qint64 bytesToWrite() const override { return m_outBytes; }
    bool isConnected() const override { return m_descriptor >= 0 && !m_closing; }
    void closeAfterWriting() override;
    void abort() override;

private:
    friend class SocketPoller;

    void handleEvents(quint32 events);
    // Hands queued bytes to the kernel until it takes no more; false when the socket failed.
    bool flush();
    void closeDescriptor();

    SocketPoller &m_poller;
    int m_descriptor;
    bool m_dirty = false; // listed in the poller's m_dirty
    bool m_closing = false; // closeAfterWriting(): close once the queue is empty
    bool m_blocked = false; // the kernel took less than offered: wait for EPOLLOUT
    // A read returned less than asked: the kernel had no more, and (edge-triggered) new data comes
    // with a new event. Saves the recv() that would only say EAGAIN, one per message in echo.
    bool m_readDrained = false;
    bool m_peerClosing = false; // the last event said the peer shut down: read on until 0
    QVarLengthArray<QByteArray, 2> m_out; // frames from m_outHead on; the first from m_outOffset on
    qsizetype m_outHead = 0;
    qsizetype m_outOffset = 0;
    qint64 m_outBytes = 0;
};

// A QTcpSocket (QSslSocket for TLS) as a Stream. The stream owns the socket.
class QtSocketStream final : public Stream
{
public:
    explicit QtSocketStream(QTcpSocket *socket);
    ~QtSocketStream() override;

    QByteArrayView read() override;
    void write(const QByteArray &bytes) override;
    qint64 bytesToWrite() const override;
    bool isConnected() const override;
    void closeAfterWriting() override;
    void abort() override;
    void start() override; // connects the socket's signals to the listener

private:
    QTcpSocket *m_socket;
    QByteArray m_lastRead;
};

} // namespace cortado
