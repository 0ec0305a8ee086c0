#include "auth.h"

#include "cortado/protocol.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcAuth, "cortado.auth", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado::auth {

namespace {

constexpr QByteArrayView SubprotocolPrefix = "cortado.bearer.";

// Where a token can come from; empty when the request carries none.
QByteArray findToken(const Request &request)
{
    const QByteArray authorization = request.header("authorization");
    if (authorization.startsWith("Bearer ") || authorization.startsWith("bearer "))
        return authorization.sliced(7).trimmed();
    if (!request.isWebSocketUpgrade)
        return {};
    // Browsers cannot set headers on a WebSocket: accept the query and the subprotocol too.
    const QString query = request.queryValue(u"token"_s);
    if (!query.isEmpty())
        return query.toUtf8();
    for (const QByteArray &offered : request.header("sec-websocket-protocol").split(',')) {
        const QByteArray protocol = offered.trimmed();
        if (protocol.startsWith(SubprotocolPrefix))
            return protocol.sliced(SubprotocolPrefix.size());
    }
    return {};
}

// Compares in time independent of where the first difference is.
bool sameSecret(QByteArrayView given, QByteArrayView expected)
{
    if (given.size() != expected.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < given.size(); ++i)
        difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
    return difference == 0;
}

User apiKeyUser()
{
    User user;
    user.id = user.name = u"api-key"_s;
    user.roles = {PublisherRole};
    return user;
}

Error signInRequired()
{
    return Error::unauthorized(u"sign in first: this needs a token"_s);
}

std::optional<Error> checkRole(const std::optional<User> &user, const QString &role)
{
    if (!user)
        return signInRequired();
    if (!user->hasRole(role))
        return Error::forbidden(u"this needs the \"%1\" role"_s.arg(role));
    return std::nullopt;
}

} // namespace

std::optional<User> currentUser(const Context &ctx)
{
    return User::fromData(ctx.data);
}

std::optional<User> currentUser(const SocketContext &ctx)
{
    return User::fromData(ctx.session().data);
}

Middleware authenticate(std::shared_ptr<const TokenVerifier> verifier)
{
    return [verifier](Context &ctx) -> std::optional<Error> {
        const QByteArray token = findToken(ctx.request());
        if (token.isEmpty())
            return std::nullopt; // a guest; routes that need a user say so
        const QByteArray &apiKey = verifier->config().apiKey;
        if (!apiKey.isEmpty() && !ctx.request().isWebSocketUpgrade && sameSecret(token, apiKey)) {
            ctx.data.insert(UserKey, apiKeyUser().toData());
            return std::nullopt;
        }
        auto verified = verifier->verify(token);
        if (auto *error = std::get_if<Error>(&verified)) {
            qCInfo(lcAuth, "refused a token from %s for %s: %s", qUtf8Printable(ctx.request().remoteAddress),
                   qUtf8Printable(ctx.request().path), qUtf8Printable(error->message));
            return *error;
        }
        ctx.data.insert(UserKey, std::get<User>(verified).toData());
        return std::nullopt;
    };
}

Middleware requireUser()
{
    return [](Context &ctx) -> std::optional<Error> {
        if (!currentUser(ctx))
            return signInRequired();
        return std::nullopt;
    };
}

Middleware requireRole(const QString &role)
{
    return [role](Context &ctx) { return checkRole(currentUser(ctx), role); };
}

EventMiddleware requireRoleForEvent(const QString &role)
{
    return [role](EventContext &ctx) { return checkRole(currentUser(ctx), role); };
}

RoomGuard onlyUser(const QString &parameter)
{
    return [parameter](const RoomAccess &access) -> std::optional<Error> {
        const std::optional<User> user = User::fromData(access.caller);
        if (!user)
            return signInRequired();
        if (user->id != access.captures.value(parameter))
            return Error::forbidden(u"\"%1\" is another user's room"_s.arg(access.room));
        return std::nullopt;
    };
}

RoomGuard membersOnly(const QString &parameter,
                      std::function<bool(const Services &, const User &, const QString &)> isMember)
{
    return [parameter, isMember](const RoomAccess &access) -> std::optional<Error> {
        const std::optional<User> user = User::fromData(access.caller);
        if (!user)
            return signInRequired();
        if (!isMember(access.services, *user, access.captures.value(parameter)))
            return Error::forbidden(u"only members may use \"%1\""_s.arg(access.room));
        return std::nullopt;
    };
}

RoomGuard RoomAccessList::guard() const
{
    return [this](const RoomAccess &access) -> std::optional<Error> {
        const std::optional<User> user = User::fromData(access.caller);
        if (!user)
            return signInRequired();
        if (!allows(access.room, user->id))
            return Error::forbidden(u"\"%1\" is by invitation"_s.arg(access.room));
        return std::nullopt;
    };
}

TokenLifetime::TokenLifetime(Hub &hub, std::shared_ptr<const TokenVerifier> verifier, QObject *parent)
    : QObject(parent), m_hub(hub), m_verifier(std::move(verifier))
{
    connect(&m_hub, &Hub::connected, this, [this](const Session &session) {
        if (const std::optional<User> user = User::fromData(session.data); user && user->expiresAt)
            schedule(session.id(), *user->expiresAt);
    });
    connect(&m_hub, &Hub::disconnected, this,
            [this](const Session &session) { m_timers.erase(session.id()); });
}

// Runs `action` once at `deadline`. A QTimer takes an int of milliseconds (24.8 days) and a longer
// interval wraps or is refused, so a far deadline is reached in steps of a day.
static void fireAt(QTimer *timer, const QDateTime &deadline, const std::function<void()> &action)
{
    constexpr qint64 StepMs = 24 * 3600 * 1000;
    const qint64 left = std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(deadline));
    QObject::disconnect(timer, &QTimer::timeout, nullptr, nullptr);
    timer->setSingleShot(true);
    if (left > StepMs)
        QObject::connect(timer, &QTimer::timeout, timer, [timer, deadline, action] { fireAt(timer, deadline, action); });
    else
        QObject::connect(timer, &QTimer::timeout, timer, action);
    timer->start(int(std::min(left, StepMs)));
}

void TokenLifetime::schedule(const SocketId &id, const QDateTime &expiresAt)
{
    Timers &timers = m_timers[id];
    const QDateTime warningAt = expiresAt.addSecs(-qint64(m_verifier->config().expiryWarningSeconds));
    timers.warning = std::make_unique<QTimer>();
    fireAt(timers.warning.get(), warningAt, [this, id, expiresAt] {
        m_hub.send(Target::socket(id),
                   Message{u"system:token_expiring"_s,
                           QJsonObject{{u"expiresAt"_s, expiresAt.toMSecsSinceEpoch()},
                                       {u"secondsLeft"_s, QDateTime::currentDateTimeUtc().secsTo(expiresAt)}},
                           std::nullopt, {}});
    });
    timers.expiry = std::make_unique<QTimer>();
    fireAt(timers.expiry.get(), expiresAt, [this, id] {
        qCInfo(lcAuth, "closing socket %s: its token expired", qUtf8Printable(id));
        m_hub.disconnect(id, protocol::close::TokenExpired, u"token expired"_s);
    });
}

Ack TokenLifetime::refresh(EventContext &ctx)
{
    const QByteArray token = ctx.payload().toObject().value("token"_L1).toString().toUtf8();
    if (token.isEmpty())
        return Error::badRequest(protocol::errors::BadPayload, u"auth:refresh takes {\"token\": \"...\"}"_s);
    auto verified = m_verifier->verify(token);
    if (auto *error = std::get_if<Error>(&verified))
        return *error;
    const User &fresh = std::get<User>(verified);
    const std::optional<User> current = currentUser(ctx);
    if (current && current->id != fresh.id)
        return Error::forbidden(u"a refreshed token must name the same user"_s);
    ctx.session().data.insert(UserKey, fresh.toData());
    if (fresh.expiresAt) {
        schedule(ctx.session().id(), *fresh.expiresAt);
    } else {
        m_timers.erase(ctx.session().id());
    }
    QJsonObject payload{{u"user"_s, fresh.id}};
    if (fresh.expiresAt)
        payload.insert(u"expiresAt"_s, fresh.expiresAt->toMSecsSinceEpoch());
    return Ack::ok(payload);
}

void install(Router &router, Hub &hub, std::shared_ptr<const TokenVerifier> verifier)
{
    router.use(authenticate(verifier));
    router.rooms().setPrivilege([](const QVariantMap &caller, RoomAction action) -> std::optional<QString> {
        const std::optional<User> user = User::fromData(caller);
        if (!user)
            return std::nullopt;
        if (user->hasRole(AdminRole))
            return u"admin %1"_s.arg(user->id);
        if (action == RoomAction::Publish && user->hasRole(PublisherRole))
            return u"publisher %1"_s.arg(user->id);
        return std::nullopt;
    });
    router.services().provide(verifier);
    auto *lifetime = new TokenLifetime(hub, verifier, &hub);
    router.on(u"auth:refresh"_s, [lifetime](EventContext &ctx) { return lifetime->refresh(ctx); })
            .describe(u"Replace the socket's token with a fresh one for the same user"_s,
                      QJsonObject{{u"token"_s, u"<a fresh token>"_s}},
                      QJsonObject{{u"type"_s, u"object"_s},
                                  {u"required"_s, QJsonArray{u"token"_s}},
                                  {u"properties"_s, QJsonObject{{u"token"_s, QJsonObject{{u"type"_s, u"string"_s}}}}}});
}

} // namespace cortado::auth
