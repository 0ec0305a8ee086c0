#include "gateway.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSslSocket>
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

namespace {

// Lives as a child of an accepted socket: its address is counted until the socket is destroyed,
// whoever owns it by then (HttpConnection, the WebSocket frontend, a refusal).
class AddressSlot : public QObject
{
public:
    AddressSlot(QObject *socket, std::function<void()> release)
        : QObject(socket), m_release(std::move(release))
    {
        setObjectName(QLatin1StringView(Name));
    }
    static constexpr auto Name = "cortado-address-slot";
    ~AddressSlot() override { m_release(); }

private:
    std::function<void()> m_release;
};

constexpr auto DeadlineName = "cortado-head-deadline";

} // namespace

Gateway::Gateway(GatewayLimits limits, QObject *parent) : QTcpServer(parent), m_limits(limits) { }

void Gateway::setTlsConfiguration(const QSslConfiguration &configuration)
{
    m_tls = configuration;
}

void Gateway::incomingConnection(qintptr descriptor)
{
    QSslSocket *tls = m_tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tls ? tls : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // Until the first head is complete Qt buffers no more than the head may be (the peek below
    // then sees an oversized head), whatever the client sends along.
    socket->setReadBufferSize(m_limits.maxHeaderBytes + 4);
    const QHostAddress address = socket->peerAddress();
    int &open = m_perAddress[address];
    if (open >= m_limits.maxConnectionsPerIp) {
        qCDebug(lcTransport) << "too many connections from" << address;
        if (open == 0)
            m_perAddress.remove(address);
        if (tls) { // no cheap answer before a handshake
            socket->abort();
            socket->deleteLater();
        } else {
            refuse(socket, Error{429, protocol::errors::TooManyConnections,
                                 u"at most %1 open connections per address"_s.arg(m_limits.maxConnectionsPerIp)});
        }
        return;
    }
    ++open;
    new AddressSlot(socket, [gateway = QPointer<Gateway>(this), address] {
        if (gateway)
            gateway->release(address);
    });

    auto *deadline = new QTimer(socket);
    deadline->setObjectName(QLatin1StringView(DeadlineName));
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, [socket, tls] {
        qCDebug(lcTransport) << "no request head in time from" << socket->peerAddress();
        if (tls && !tls->isEncrypted()) {
            socket->abort();
            socket->deleteLater();
            return;
        }
        refuse(socket, Error{408, protocol::errors::RequestTimeout, u"no complete request head in time"_s});
    });
    deadline->start(m_limits.headTimeoutMs);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    if (tls) {
        // A failed handshake (a plain-HTTP client, a bad hello) ends here; readyRead only ever
        // carries decrypted bytes.
        connect(tls, &QAbstractSocket::errorOccurred, this, [tls](QAbstractSocket::SocketError error) {
            if (tls->isEncrypted() && error == QAbstractSocket::RemoteHostClosedError)
                return;
            qCDebug(lcTransport) << "TLS connection from" << tls->peerAddress() << "failed:" << tls->errorString();
            tls->abort();
            tls->deleteLater();
        });
        tls->setSslConfiguration(*m_tls);
        tls->startServerEncryption();
    }
}

void Gateway::release(const QHostAddress &address)
{
    const auto it = m_perAddress.find(address);
    if (it != m_perAddress.end() && --*it <= 0)
        m_perAddress.erase(it);
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
    delete socket->findChild<QTimer *>(QLatin1StringView(DeadlineName));

    if (head.isWebSocketUpgrade()) {
        socket->setReadBufferSize(0); // frames are the WebSocket frontend's to bound
        Q_EMIT webSocketUpgrade(socket, head);
    } else {
        Q_EMIT httpConnection(socket);
    }
}

QObject *Gateway::takeAddressSlot(QTcpSocket *socket)
{
    QObject *slot = socket->findChild<QObject *>(QLatin1StringView(AddressSlot::Name), Qt::FindDirectChildrenOnly);
    if (slot)
        slot->setParent(nullptr);
    return slot;
}

void Gateway::refuse(QTcpSocket *socket, const Error &error)
{
    delete socket->findChild<QTimer *>(QLatin1StringView(DeadlineName));
    QObject::disconnect(socket, &QAbstractSocket::errorOccurred, nullptr, nullptr);
    answerAndClose(socket, HttpResponse::error(error).serialize(true));
}

} // namespace cortado
