#include "stream.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>

#include <cerrno>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

namespace cortado {

void Stream::notifyClosedLater()
{
    if (!m_owner || !m_listener)
        return;
    QMetaObject::invokeMethod(
            m_owner, [listener = m_listener] { listener->streamClosed(); }, Qt::QueuedConnection);
}

// --- SocketPoller ---

SocketPoller::SocketPoller(QObject *parent) : QObject(parent), m_epoll(epoll_create1(EPOLL_CLOEXEC))
{
    if (m_epoll < 0) {
        qCWarning(lcTransport) << "epoll_create1 failed:" << qt_error_string(errno);
        return;
    }
    m_readBuffer.resize(ReadBufferSize);
    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SocketPoller::dispatch);
}

SocketPoller::~SocketPoller()
{
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool SocketPoller::add(TcpStream *stream)
{
    epoll_event event{};
    // Edge-triggered both ways: told once per arrival (the reader reads until EAGAIN or a short read,
    // or leaves the rest in the kernel while paused) and once per "room to write again" after EAGAIN.
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = stream;
    return epoll_ctl(m_epoll, EPOLL_CTL_ADD, stream->m_descriptor, &event) == 0;
}

void SocketPoller::remove(TcpStream *stream)
{
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, stream->m_descriptor, nullptr);
    for (int i = 0; i < m_batchSize; ++i) {
        if (m_batch[i].data.ptr == stream)
            m_batch[i].data.ptr = nullptr;
    }
    if (stream->m_dirty) {
        m_dirty.replace(m_dirty.indexOf(stream), nullptr);
        stream->m_dirty = false;
    }
}

void SocketPoller::markDirty(TcpStream *stream)
{
    if (stream->m_dirty)
        return;
    stream->m_dirty = true;
    m_dirty.append(stream);
    // Writes made outside dispatch() (a timer, a REST call, another socket's handler on a
    // queued call) are flushed at the end of this pass too.
    if (!std::exchange(m_flushPosted, true))
        QMetaObject::invokeMethod(this, &SocketPoller::flushDirty, Qt::QueuedConnection);
}

void SocketPoller::dispatch()
{
    epoll_event events[256];
    for (;;) {
        const int ready = epoll_wait(m_epoll, events, std::size(events), 0);
        if (ready <= 0)
            break;
        m_batch = events;
        m_batchSize = ready;
        for (int i = 0; i < ready; ++i) {
            if (auto *stream = static_cast<TcpStream *>(events[i].data.ptr))
                stream->handleEvents(events[i].events);
        }
        m_batch = nullptr;
        m_batchSize = 0;
        if (ready < int(std::size(events)))
            break;
    }
    flushDirty(); // the answers of this batch: one send per socket
}

void SocketPoller::flushDirty()
{
    m_flushPosted = false;
    // A flush can close a stream (and so remove it from m_dirty): walk by index, entries may be
    // blanked but not moved.
    for (qsizetype i = 0; i < m_dirty.size(); ++i) {
        TcpStream *stream = m_dirty.at(i);
        if (!stream)
            continue;
        stream->m_dirty = false;
        m_dirty[i] = nullptr;
        if (!stream->m_blocked)
            stream->flush();
    }
    m_dirty.clear();
}

// --- TcpStream ---

TcpStream::TcpStream(SocketPoller &poller, int descriptor) : m_poller(poller), m_descriptor(descriptor)
{
    if (!m_poller.add(this)) {
        qCWarning(lcTransport) << "epoll_ctl(ADD) failed:" << qt_error_string(errno);
        ::close(std::exchange(m_descriptor, -1));
    }
}

TcpStream::~TcpStream()
{
    closeDescriptor();
}

void TcpStream::closeDescriptor()
{
    if (m_descriptor < 0)
        return;
    m_poller.remove(this);
    ::close(std::exchange(m_descriptor, -1));
    m_out.clear();
    m_outHead = m_outOffset = m_outBytes = 0;
}

QByteArrayView TcpStream::read()
{
    if (m_descriptor < 0 || m_readDrained)
        return {};
    for (;;) {
        const ssize_t n = ::recv(m_descriptor, m_poller.readBuffer(), SocketPoller::ReadBufferSize, 0);
        if (n > 0) {
            m_readDrained = n < SocketPoller::ReadBufferSize && !m_peerClosing;
            return QByteArrayView(m_poller.readBuffer(), n);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return {};
        // 0: the peer closed its side; < 0: reset or another failure. Either way, the end.
        closeDescriptor();
        notifyClosedLater();
        return {};
    }
}

void TcpStream::write(const QByteArray &bytes)
{
    if (m_descriptor < 0 || m_closing || bytes.isEmpty())
        return;
    m_out.append(bytes);
    m_outBytes += bytes.size();
    if (!m_blocked)
        m_poller.markDirty(this);
}

bool TcpStream::flush()
{
    bool wrote = false;
    while (m_outHead < m_out.size()) {
        iovec parts[64];
        int count = 0;
        for (qsizetype i = m_outHead; i < m_out.size() && count < int(std::size(parts)); ++i, ++count) {
            const qsizetype skip = i == m_outHead ? m_outOffset : 0;
            parts[count].iov_base = const_cast<char *>(m_out.at(i).constData()) + skip;
            parts[count].iov_len = size_t(m_out.at(i).size() - skip);
        }
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = size_t(count);
        const ssize_t sent = ::sendmsg(m_descriptor, &message, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                m_blocked = true; // EPOLLOUT (edge) tells when there is room again
                break;
            }
            closeDescriptor(); // reset by the peer, or broken: the end
            notifyClosedLater();
            return false;
        }
        wrote = true;
        m_outBytes -= sent;
        qsizetype left = sent;
        while (left > 0) {
            const qsizetype rest = m_out.at(m_outHead).size() - m_outOffset;
            if (left < rest) {
                m_outOffset += left;
                left = 0;
            } else {
                left -= rest;
                m_out[m_outHead++] = QByteArray(); // let go of the frame now, not at the end
                m_outOffset = 0;
            }
        }
    }
    if (m_outHead == m_out.size()) {
        m_out.clear();
        m_outHead = m_outOffset = 0;
        m_blocked = false;
        if (m_closing) {
            closeDescriptor();
            notifyClosedLater();
            return false;
        }
    }
    if (wrote && m_listener)
        m_listener->streamWritten();
    return true;
}

void TcpStream::handleEvents(quint32 events)
{
    if (events & EPOLLOUT) {
        m_blocked = false;
        if (m_outHead < m_out.size() && !flush())
            return;
    }
    if (m_descriptor < 0)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        m_readDrained = false;
        m_peerClosing = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
        if (m_listener)
            m_listener->streamReadable();
        // A listener that does not read (paused) leaves a half-closed socket alone; a dead one
        // (reset, or both sides shut) is ended here, since no new edge will come for it.
        if (m_descriptor >= 0 && (events & (EPOLLHUP | EPOLLERR))) {
            closeDescriptor();
            notifyClosedLater();
        }
    }
}

void TcpStream::closeAfterWriting()
{
    if (m_descriptor < 0 || m_closing)
        return;
    m_closing = true;
    if (m_outHead == m_out.size()) {
        closeDescriptor();
        notifyClosedLater();
    } else if (!m_blocked) {
        m_poller.markDirty(this);
    }
}

void TcpStream::abort()
{
    if (m_descriptor < 0)
        return;
    closeDescriptor();
    notifyClosedLater();
}

// --- QtSocketStream ---

QtSocketStream::QtSocketStream(QTcpSocket *socket) : m_socket(socket) { }

QtSocketStream::~QtSocketStream()
{
    if (m_socket) {
        QObject::disconnect(m_socket, nullptr, nullptr, nullptr);
        m_socket->abort();
        delete m_socket;
    }
}

void QtSocketStream::start()
{
    // Qt buffers at most this much for us: a paused reader leaves the rest in the kernel.
    m_socket->setReadBufferSize(SocketPoller::ReadBufferSize);
    QObject::connect(m_socket, &QTcpSocket::readyRead, m_owner, [this] { m_listener->streamReadable(); });
    QObject::connect(m_socket, &QTcpSocket::bytesWritten, m_owner, [this] { m_listener->streamWritten(); });
    QObject::connect(m_socket, &QTcpSocket::disconnected, m_owner, [this] { m_listener->streamClosed(); },
                     Qt::QueuedConnection);
}

QByteArrayView QtSocketStream::read()
{
    // More than Qt's buffer holds: reading past it is what makes Qt watch the socket again after a
    // full buffer paused it.
    m_lastRead = m_socket->read(2 * SocketPoller::ReadBufferSize);
    return m_lastRead;
}

void QtSocketStream::write(const QByteArray &bytes)
{
    m_socket->write(bytes);
}

qint64 QtSocketStream::bytesToWrite() const
{
    return m_socket->bytesToWrite();
}

bool QtSocketStream::isConnected() const
{
    return m_socket->state() == QAbstractSocket::ConnectedState;
}

void QtSocketStream::closeAfterWriting()
{
    m_socket->disconnectFromHost();
}

void QtSocketStream::abort()
{
    m_socket->abort();
}

} // namespace cortado
