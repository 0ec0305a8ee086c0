#include "redislink.h"

#include "redisadapter.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QUrl>
#include <QVarLengthArray>

#include <async.h>
#include <hiredis.h>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace cortado::cluster {

Q_LOGGING_CATEGORY(lcCluster, "cortado.cluster")

// ---- RedisUrl ----------------------------------------------------------------------------------

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const auto bad = [error](const QString &why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (url.scheme() == "rediss"_L1)
        return bad(u"TLS to Redis needs hiredis >= 1.0 (use redis:// on a trusted network or a TLS tunnel)"_s);
    if (!url.isValid() || url.scheme() != "redis"_L1)
        return bad(u"must be redis://[[user]:password@]host[:port][/db]"_s);
    RedisUrl result;
    if (url.host().isEmpty())
        return bad(u"has no host (redis://host[:port][/db])"_s);
    result.host = url.host();
    const int port = url.port();
    if (port == 0)
        return bad(u"has port 0"_s);
    if (port > 0)
        result.port = quint16(port);
    result.user = url.userName(QUrl::FullyDecoded).toUtf8();
    result.password = url.password(QUrl::FullyDecoded).toUtf8();
    if (!result.user.isEmpty() && result.password.isEmpty())
        return bad(u"names a user without a password (redis://user:password@host)"_s);
    const QString path = url.path();
    if (!path.isEmpty() && path != "/"_L1) {
        bool ok = false;
        const int db = path.mid(1).toInt(&ok);
        if (!ok || db < 0 || path.mid(1).startsWith(u'+'))
            return bad(u"must end in /<database number>, not \"%1\""_s.arg(path));
        result.db = db;
    }
    if (url.hasQuery() || url.hasFragment())
        return bad(u"takes no ?query or #fragment"_s);
    return result;
}

QString RedisUrl::display() const
{
    const QString host = this->host.contains(u':') ? u'[' + this->host + u']' : this->host;
    QString auth;
    if (!user.isEmpty())
        auth = QString::fromUtf8(user) + u'@';
    else if (!password.isEmpty())
        auth = u":***@"_s;
    if (!user.isEmpty() && !password.isEmpty())
        auth = QString::fromUtf8(user) + u":***@"_s;
    return u"redis://%1%2:%3/%4"_s.arg(auth, host).arg(port).arg(db);
}

// ---- RedisValue --------------------------------------------------------------------------------

RedisValue RedisValue::fromReply(const redisReply *reply)
{
    RedisValue value;
    if (!reply)
        return value;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        value.type = Type::String;
        value.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        value.type = Type::Status;
        value.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        value.type = Type::Error;
        value.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        value.type = Type::Integer;
        value.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        value.type = Type::Array;
        value.elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            value.elements.append(fromReply(reply->element[i]));
        break;
    default:
        break; // REDIS_REPLY_NIL
    }
    return value;
}

// ---- RedisLink ---------------------------------------------------------------------------------

// What a command's callback needs: ours on the heap as hiredis' privdata, deleted by the callback
// (hiredis calls every callback exactly once, with NULL when the context goes).
struct RedisLink::Pending
{
    enum class Kind { User, Handshake, Ping };
    Kind kind = Kind::User;
    ReplyHandler handler;
    qint64 bytes = 0;
    quint64 generation = 0;
    QByteArray name; // the handshake command, for the error
    bool last = false; // the last handshake reply: the connection is ready
};

RedisLink::RedisLink(RedisUrl url, Limits limits, QObject *parent)
    : QObject(parent), m_url(std::move(url)), m_limits(limits), m_backoffMs(limits.backoffMinMs)
{
    m_connectTimer.setSingleShot(true);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        fail(u"no answer from %1 in %2 ms"_s.arg(m_url.display()).arg(m_limits.connectTimeoutMs));
    });
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisLink::connectNow);
    connect(&m_pingTimer, &QTimer::timeout, this, &RedisLink::ping);
}

RedisLink::~RedisLink()
{
    // Callbacks still to come (NULL replies while hiredis frees) find no link and call nothing.
    if (m_freeing)
        m_freeing->data = nullptr;
    for (redisAsyncContext **context : {&m_cmd, &m_sub}) {
        if (redisAsyncContext *c = std::exchange(*context, nullptr)) {
            c->data = nullptr;
            redisAsyncFree(c); // inside one of its callbacks hiredis defers this until it returns
        }
    }
}

void RedisLink::start()
{
    if (m_started)
        return;
    m_started = true;
    m_backoffMs = m_limits.backoffMinMs;
    if (m_state == State::Down && !m_failing)
        connectNow();
}

void RedisLink::stop()
{
    m_started = false;
    m_reconnectTimer.stop();
    if (m_state != State::Down || m_cmd || m_sub) {
        if (!m_failing)
            m_lastError = u"stopped"_s;
        tearDown();
    }
}

void RedisLink::connectNow()
{
    if (!m_started || m_state != State::Down)
        return;
    m_state = State::Connecting;
    m_failing = false;
    const quint64 generation = ++m_generation;
    m_connectTimer.start(m_limits.connectTimeoutMs);
    // hiredis resolves a host name with a blocking getaddrinfo(): give it an address only.
    const QHostAddress address(m_url.host);
    if (!address.isNull()) {
        openContexts(m_url.host.toLatin1());
        return;
    }
    QHostInfo::lookupHost(m_url.host, this, [this, generation](const QHostInfo &info) {
        if (generation != m_generation || m_state != State::Connecting || m_failing)
            return;
        QList<QHostAddress> addresses = info.addresses();
        // IPv4 first: "localhost" often lists ::1 first, and redis may listen on 127.0.0.1 only.
        std::stable_partition(addresses.begin(), addresses.end(), [](const QHostAddress &a) {
            return a.protocol() == QAbstractSocket::IPv4Protocol;
        });
        if (info.error() != QHostInfo::NoError || addresses.isEmpty()) {
            fail(u"cannot resolve %1: %2"_s.arg(m_url.host, info.errorString()));
            return;
        }
        openContexts(addresses.first().toString().toLatin1());
    });
}

void RedisLink::openContexts(const QByteArray &ip)
{
    m_cmdReady = m_subReady = false;
    m_requested.clear();
    m_confirmed.clear();
    m_cmd = open(ip);
    if (m_cmd)
        m_sub = open(ip);
}

redisAsyncContext *RedisLink::open(const QByteArray &ip)
{
    redisAsyncContext *context = redisAsyncConnect(ip.constData(), m_url.port);
    if (!context) {
        fail(u"out of memory"_s);
        return nullptr;
    }
    if (context->err) {
        fail(QString::fromLocal8Bit(context->errstr));
        redisAsyncFree(context); // not attached yet: no callback of ours runs
        return nullptr;
    }
    context->data = this;
    RedisAdapter::attach(context);
    redisAsyncSetConnectCallback(context, &RedisLink::onConnect);
    redisAsyncSetDisconnectCallback(context, &RedisLink::onDisconnect);

    // The handshake goes out with the connect; its last reply makes the connection ready. PING when
    // there is nothing to say, so "ready" always means a Redis answered. (SUBSCRIBE only after it:
    // hiredis 0.14 loses the replies of commands sent before SUBSCRIBE once it is in pub/sub mode.)
    QList<QList<QByteArray>> handshake;
    if (!m_url.password.isEmpty()) {
        if (m_url.user.isEmpty())
            handshake.append({"AUTH"_ba, m_url.password});
        else
            handshake.append({"AUTH"_ba, m_url.user, m_url.password});
    }
    if (m_url.db != 0)
        handshake.append({"SELECT"_ba, QByteArray::number(m_url.db)});
    if (handshake.isEmpty())
        handshake.append({"PING"_ba});
    for (qsizetype i = 0; i < handshake.size(); ++i) {
        auto *pending = new Pending{Pending::Kind::Handshake, {}, 0, m_generation, handshake[i].first(),
                                    i == handshake.size() - 1};
        if (!send(context, handshake[i], pending))
            break; // send() failed the link
    }
    return context;
}

bool RedisLink::send(redisAsyncContext *context, const QList<QByteArray> &argv, Pending *pending)
{
    QVarLengthArray<const char *, 8> pointers;
    QVarLengthArray<size_t, 8> lengths;
    for (const QByteArray &argument : argv) {
        pointers.append(argument.constData());
        lengths.append(size_t(argument.size()));
    }
    if (redisAsyncCommandArgv(context, &RedisLink::onReply, pending, int(argv.size()), pointers.data(),
                              lengths.data())
        != REDIS_OK) {
        delete pending;
        fail(u"cannot queue a command: %1"_s.arg(QString::fromLocal8Bit(context->errstr)));
        return false;
    }
    m_pendingBytes += pending->bytes;
    return true;
}

bool RedisLink::command(const QList<QByteArray> &argv, ReplyHandler handler)
{
    if (m_state != State::Up || m_failing || !m_cmd || argv.isEmpty())
        return false;
    qint64 bytes = 0;
    for (const QByteArray &argument : argv)
        bytes += argument.size();
    if (m_pendingBytes + bytes > m_limits.maxPendingBytes) {
        // Redis (or the network) does not keep up: buffering more would grow without bound.
        fail(u"redis too slow: %1 bytes pending"_s.arg(m_pendingBytes + bytes));
        return false;
    }
    return send(m_cmd, argv, new Pending{Pending::Kind::User, std::move(handler), bytes, m_generation, {}, false});
}

bool RedisLink::publish(const QByteArray &channel, const QByteArray &message)
{
    return command({"PUBLISH"_ba, channel, message});
}

bool RedisLink::evalScript(const QByteArray &lua, const QList<QByteArray> &keys,
                           const QList<QByteArray> &args, ReplyHandler handler)
{
    const QByteArray sha = QCryptographicHash::hash(lua, QCryptographicHash::Sha1).toHex();
    QList<QByteArray> tail{QByteArray::number(keys.size())};
    tail += keys;
    tail += args;
    QPointer<RedisLink> self(this);
    return command(QList<QByteArray>{"EVALSHA"_ba, sha} + tail,
                   [self, lua, tail, handler = std::move(handler)](const RedisValue &value) {
                       if (value.isError() && value.string.startsWith("NOSCRIPT") && self) {
                           // Redis lost its script cache (restart, SCRIPT FLUSH): send the body once.
                           if (self->command(QList<QByteArray>{"EVAL"_ba, lua} + tail, handler))
                               return;
                           if (handler)
                               handler(RedisValue{});
                           return;
                       }
                       if (handler)
                           handler(value);
                   });
}

void RedisLink::setSubscriptions(const QList<QByteArray> &channels)
{
    m_channels = QSet<QByteArray>(channels.begin(), channels.end());
    if (m_subReady && !m_failing)
        subscribeChanges();
}

// SUBSCRIBE what is wanted and not asked for yet, UNSUBSCRIBE what was asked for and is no longer wanted.
void RedisLink::subscribeChanges()
{
    QList<QByteArray> subscribe{"SUBSCRIBE"_ba};
    QList<QByteArray> unsubscribe{"UNSUBSCRIBE"_ba};
    for (const QByteArray &channel : std::as_const(m_channels))
        if (!m_requested.contains(channel))
            subscribe.append(channel);
    for (const QByteArray &channel : std::as_const(m_requested))
        if (!m_channels.contains(channel))
            unsubscribe.append(channel);
    m_requested = m_channels;
    for (const QList<QByteArray> *argv : {&subscribe, &unsubscribe}) {
        if (argv->size() < 2)
            continue;
        QVarLengthArray<const char *, 8> pointers;
        QVarLengthArray<size_t, 8> lengths;
        for (const QByteArray &argument : *argv) {
            pointers.append(argument.constData());
            lengths.append(size_t(argument.size()));
        }
        // One callback for every message and (un)subscribe confirmation of these channels.
        if (redisAsyncCommandArgv(m_sub, &RedisLink::onSubscription, nullptr, int(argv->size()),
                                  pointers.data(), lengths.data())
            != REDIS_OK) {
            fail(u"cannot subscribe: %1"_s.arg(QString::fromLocal8Bit(m_sub->errstr)));
            return;
        }
    }
    maybeUp();
}

void RedisLink::ready(Role role)
{
    if (role == Role::Command) {
        m_cmdReady = true;
    } else {
        m_subReady = true;
        subscribeChanges();
        return;
    }
    maybeUp();
}

void RedisLink::maybeUp()
{
    if (m_state != State::Connecting || m_failing || !m_cmdReady || !m_subReady)
        return;
    for (const QByteArray &channel : std::as_const(m_channels))
        if (!m_confirmed.contains(channel))
            return;
    m_state = State::Up;
    m_connectTimer.stop();
    m_backoffMs = m_limits.backoffMinMs;
    m_pingSent.invalidate();
    m_pingTimer.start(m_limits.pingIntervalMs);
    qCInfo(lcCluster, "redis %s up", qPrintable(m_url.display()));
    Q_EMIT up();
}

// Watchdog: Redis stopped (SIGSTOP, a partition) never closes the TCP connection, and hiredis 0.14
// has no command timeout; a PING unanswered for pingTimeoutMs means Down.
void RedisLink::ping()
{
    if (m_state != State::Up || m_failing || !m_cmd)
        return;
    if (m_pingSent.isValid()) {
        if (m_pingSent.elapsed() >= m_limits.pingTimeoutMs)
            fail(u"no PONG in %1 ms"_s.arg(m_limits.pingTimeoutMs));
        return;
    }
    m_pingSent.start();
    send(m_cmd, {"PING"_ba}, new Pending{Pending::Kind::Ping, {}, 0, m_generation, {}, false});
}

void RedisLink::fail(const QString &reason)
{
    if (m_failing)
        return;
    m_failing = true;
    m_lastError = reason;
    // Queued: we may be inside a hiredis callback (connect/disconnect ones may not free contexts).
    // A tearDown() that happens first (stop()) makes this one stale.
    QMetaObject::invokeMethod(
            this, [this, generation = m_generation] {
                if (generation == m_generation)
                    tearDown();
            },
            Qt::QueuedConnection);
}

void RedisLink::tearDown()
{
    if (m_state == State::Down && !m_cmd && !m_sub && !m_failing)
        return;
    QPointer<RedisLink> self(this);
    const bool wasUp = m_state == State::Up;
    if (!m_failing) // stop(): nothing failed
        m_failing = true;
    m_state = State::Down;
    ++m_generation;
    m_connectTimer.stop();
    m_pingTimer.stop();
    m_pingSent.invalidate();
    // Pending handlers get Nil from here (and may call us, or delete us).
    freeContext(m_cmd);
    if (!self)
        return;
    freeContext(m_sub);
    if (!self)
        return;
    m_pendingBytes = 0;
    m_cmdReady = m_subReady = false;
    m_requested.clear();
    m_confirmed.clear();
    m_failing = false;
    if (wasUp) {
        qCWarning(lcCluster, "redis %s down: %s", qPrintable(m_url.display()), qPrintable(m_lastError));
        Q_EMIT down(m_lastError);
        if (!self)
            return;
    }
    scheduleReconnect();
}

void RedisLink::freeContext(redisAsyncContext *&context)
{
    redisAsyncContext *c = std::exchange(context, nullptr);
    if (!c)
        return;
    QPointer<RedisLink> self(this);
    m_freeing = c;
    redisAsyncFree(c); // (if a handler deletes us meanwhile, the destructor nulls c->data)
    if (self)
        m_freeing = nullptr;
}

void RedisLink::scheduleReconnect()
{
    if (!m_started || m_state != State::Down)
        return;
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    m_reconnectTimer.start(qMax(1, int(m_backoffMs * jitter)));
    m_backoffMs = qMin(m_backoffMs * 2, m_limits.backoffMaxMs);
}

// ---- hiredis callbacks ---------------------------------------------------------------------------

void RedisLink::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisLink *>(context->data);
    if (!self || status == REDIS_OK)
        return; // the handshake's reply says when the connection is ready
    // Judge by status: c->err may be 0 here with errstr set. hiredis frees the context on return.
    if (self->m_cmd == context)
        self->m_cmd = nullptr;
    else if (self->m_sub == context)
        self->m_sub = nullptr;
    else
        return;
    self->fail(QString::fromLocal8Bit(context->errstr));
}

void RedisLink::onDisconnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisLink *>(context->data);
    if (!self)
        return;
    // Ours to free no more (hiredis frees it on return). A context tearDown() frees is not ours either.
    if (self->m_cmd == context)
        self->m_cmd = nullptr;
    else if (self->m_sub == context)
        self->m_sub = nullptr;
    else
        return;
    self->fail(status == REDIS_OK || !context->errstr[0] ? u"Server closed the connection"_s
                                                         : QString::fromLocal8Bit(context->errstr));
}

void RedisLink::onReply(redisAsyncContext *context, void *reply, void *privdata)
{
    std::unique_ptr<Pending> pending(static_cast<Pending *>(privdata));
    if (auto *self = static_cast<RedisLink *>(context->data))
        self->handleReply(context, static_cast<redisReply *>(reply), *pending);
}

void RedisLink::handleReply(redisAsyncContext *context, redisReply *reply, Pending &pending)
{
    const bool current = pending.generation == m_generation;
    if (current)
        m_pendingBytes -= pending.bytes;
    if (!reply && current)
        fail(context->errstr && context->errstr[0] ? QString::fromLocal8Bit(context->errstr)
                                                   : u"connection lost"_s);
    const RedisValue value = RedisValue::fromReply(reply);
    switch (pending.kind) {
    case Pending::Kind::User:
        if (pending.handler)
            pending.handler(value);
        break;
    case Pending::Kind::Ping:
        if (current)
            m_pingSent.invalidate();
        break;
    case Pending::Kind::Handshake:
        if (!reply || !current || m_failing)
            break;
        if (value.isError())
            fail(u"%1: %2"_s.arg(QString::fromLatin1(pending.name), QString::fromUtf8(value.string)));
        else if (pending.last)
            ready(context == m_cmd ? Role::Command : Role::Subscription);
        break;
    }
}

void RedisLink::onSubscription(redisAsyncContext *context, void *reply, void *)
{
    auto *self = static_cast<RedisLink *>(context->data);
    if (self && reply && self->m_sub == context)
        self->handleSubscription(static_cast<redisReply *>(reply));
}

void RedisLink::handleSubscription(redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3
        || reply->element[0]->type != REDIS_REPLY_STRING || reply->element[1]->type != REDIS_REPLY_STRING)
        return;
    const QByteArray kind(reply->element[0]->str, qsizetype(reply->element[0]->len));
    const QByteArray channel(reply->element[1]->str, qsizetype(reply->element[1]->len));
    if (kind == "message") {
        const redisReply *payload = reply->element[2];
        if (payload->type == REDIS_REPLY_STRING)
            Q_EMIT message(channel, QByteArray(payload->str, qsizetype(payload->len)));
    } else if (kind == "subscribe") {
        m_confirmed.insert(channel);
        maybeUp();
    } else if (kind == "unsubscribe") {
        m_confirmed.remove(channel);
    }
}

} // namespace cortado::cluster
