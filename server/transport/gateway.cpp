#include "gateway.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

Q_LOGGING_CATEGORY(lcTransport, "cortado.transport", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

bool RequestHead::isWebSocketUpgrade() const
{
    return header("upgrade").trimmed().compare("websocket", Qt::CaseInsensitive) == 0
            && header("connection").toLower().contains("upgrade");
}

Request RequestHead::toRequest(const QString &remoteAddress) const
{
    const QUrl url = QUrl::fromEncoded(target);
    Request request;
    request.method = method;
    request.path = url.path(QUrl::FullyEncoded);
    request.query = QUrlQuery(url);
    request.headers = headers;
    request.remoteAddress = remoteAddress;
    request.isWebSocketUpgrade = isWebSocketUpgrade();
    return request;
}

// Parses "GET /path HTTP/1.1\r\nName: value\r\n...\r\n\r\n"; false when malformed.
bool parseHead(QByteArrayView raw, RequestHead *head)
{
    const QList<QByteArrayView> lines = [&] {
        QList<QByteArrayView> result;
        qsizetype start = 0;
        for (qsizetype end; (end = raw.indexOf("\r\n", start)) >= 0; start = end + 2)
            result.append(raw.sliced(start, end - start));
        return result;
    }();
    if (lines.isEmpty())
        return false;
    const QList<QByteArray> requestLine = lines.first().toByteArray().split(' ');
    if (requestLine.size() != 3 || requestLine.at(0).isEmpty()
        || !requestLine.at(1).startsWith('/') || !requestLine.at(2).startsWith("HTTP/1."))
        return false;
    head->method = requestLine.at(0);
    head->target = requestLine.at(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines.at(i);
        if (line.isEmpty())
            break;
        const qsizetype colon = line.indexOf(':');
        // RFC 9112 5.1: no whitespace in or around a field name (a folded line starts with it);
        // found by the fuzzer, which got an empty name through. Such a head is a 400.
        if (colon <= 0 || line.first(colon).trimmed().size() != colon)
            return false;
        head->headers.append({line.first(colon).toByteArray(),
                              line.sliced(colon + 1).trimmed().toByteArray()});
    }
    return true;
}

Gateway::Gateway(GatewayLimits limits, QObject *parent) : QTcpServer(parent), m_limits(limits) { }

void Gateway::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    auto *deadline = new QTimer(socket);
    deadline->setObjectName(u"cortado-head-deadline"_s);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, [socket] {
        qCDebug(lcTransport) << "no request head in time from" << socket->peerAddress();
        socket->abort();
        socket->deleteLater();
    });
    deadline->start(m_limits.headTimeoutMs);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
}

void Gateway::inspect(QTcpSocket *socket)
{
    const QByteArray buffered = socket->peek(m_limits.maxHeaderBytes + 4);
    const qsizetype headEnd = buffered.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        if (buffered.size() > m_limits.maxHeaderBytes)
            refuse(socket, Error{431, protocol::errors::HeadersTooLarge,
                                 u"request head is larger than %1 bytes"_s.arg(m_limits.maxHeaderBytes)});
        return; // wait for more
    }

    RequestHead head;
    if (!parseHead(QByteArrayView(buffered).first(headEnd + 4), &head)) {
        refuse(socket, Error::badRequest(protocol::errors::BadRequest, u"malformed HTTP request"_s));
        return;
    }

    // From here on the socket belongs to someone else.
    QObject::disconnect(socket, nullptr, this, nullptr);
    QObject::disconnect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    delete socket->findChild<QTimer *>(u"cortado-head-deadline"_s);

    if (head.isWebSocketUpgrade()) {
        Q_EMIT webSocketUpgrade(socket, head);
        return;
    }

    bool hasLength = false;
    const qint64 length = head.header("content-length").toLongLong(&hasLength);
    if (hasLength && length > m_limits.maxBodyBytes) {
        refuse(socket, Error{413, protocol::errors::PayloadTooLarge,
                             u"request body is larger than %1 bytes"_s.arg(m_limits.maxBodyBytes)});
        return;
    }
    addPendingConnection(socket); // QHttpServer connects to the socket here
    // The head is already buffered, so no new readyRead would come: replay it.
    QMetaObject::invokeMethod(socket, &QTcpSocket::readyRead, Qt::QueuedConnection);
}

void Gateway::refuse(QTcpSocket *socket, const Error &error)
{
    QObject::disconnect(socket, nullptr, nullptr, nullptr);
    socket->write(HttpResponse::error(error).serialize(true));
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->deleteLater();
        return;
    }
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost(); // flushes first
    // A peer that never reads would keep the socket open forever.
    QTimer::singleShot(5000, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
}

} // namespace cortado
