#include "router.h"

#include "cortado/jsonschema.h"

using namespace Qt::StringLiterals;

namespace cortado {

const HttpHandler *RestRoute::handler(const QByteArray &method) const
{
    const auto it = m_handlers.constFind(method);
    return it == m_handlers.cend() ? nullptr : &*it;
}

QByteArrayList RestRoute::methods() const
{
    QByteArrayList methods = m_handlers.keys();
    std::sort(methods.begin(), methods.end());
    return methods;
}

WsRoute::EventBinding &WsRoute::on(const QString &event, EventHandler handler)
{
    Q_ASSERT_X(protocol::isValidEventName(event), "WsRoute::on", "event names are domain:action");
    EventBinding &binding = m_events[event];
    binding.handler = std::move(handler);
    return binding;
}

WsRoute::EventBinding &WsRoute::onHeavy(const QString &event, HeavyWork work, HeavyFinish finish)
{
    EventBinding &binding = on(event, {});
    binding.heavyWork = std::move(work);
    binding.heavyFinish = std::move(finish);
    return binding;
}

void WsRoute::keepHistory(const QString &pattern, HistoryPolicy policy)
{
    RoomPattern compiled(pattern);
    Q_ASSERT_X(compiled.isValid(), "WsRoute::keepHistory", "bad room pattern");
    m_history.append({std::move(compiled), policy});
}

std::optional<HistoryPolicy> WsRoute::historyPolicy(const QString &room) const
{
    for (const auto &[pattern, policy] : m_history) {
        if (pattern.match(room))
            return policy;
    }
    return std::nullopt;
}

const WsRoute::EventBinding *WsRoute::binding(const QString &event) const
{
    const auto it = m_events.constFind(event);
    return it == m_events.cend() ? nullptr : &*it;
}

RoomPattern::RoomPattern(const QString &pattern) : m_pattern(pattern)
{
    static const QRegularExpression parts(u"\\{([A-Za-z_][A-Za-z0-9_]*)\\}|\\*"_s);
    QString regex = u"^"_s;
    qsizetype last = 0;
    for (const QRegularExpressionMatch &part : parts.globalMatch(pattern)) {
        regex += QRegularExpression::escape(pattern.mid(last, part.capturedStart() - last));
        if (part.captured(0) == "*"_L1) {
            regex += u".*"_s;
        } else {
            m_names.append(part.captured(1));
            regex += u"([^:]+)"_s;
        }
        last = part.capturedEnd();
    }
    regex += QRegularExpression::escape(pattern.mid(last)) + u'$';
    m_regex.setPattern(regex);
}

std::optional<QHash<QString, QString>> RoomPattern::match(const QString &room) const
{
    const QRegularExpressionMatch match = m_regex.match(room);
    if (!match.hasMatch())
        return std::nullopt;
    QHash<QString, QString> captures;
    for (qsizetype i = 0; i < m_names.size(); ++i)
        captures.insert(m_names.at(i), match.captured(int(i) + 1));
    return captures;
}

void WsRoute::guardRooms(const QString &pattern, RoomGuard guard)
{
    RoomPattern compiled(pattern);
    Q_ASSERT_X(compiled.isValid(), "WsRoute::guardRooms", "bad room pattern");
    m_roomGuards.append({std::move(compiled), std::move(guard)});
}

std::optional<std::pair<const RoomGuard *, QHash<QString, QString>>>
WsRoute::roomGuard(const QString &room) const
{
    for (const auto &[pattern, guard] : m_roomGuards) {
        if (auto captures = pattern.match(room))
            return std::make_pair(&guard, std::move(*captures));
    }
    return std::nullopt;
}

Router::Router() : m_rooms(std::make_shared<RoomAuthorizer>(*this))
{
    m_services.provide(m_rooms);
}
Router::~Router() = default;

template<typename Entries>
static bool pathTaken(const Entries &entries, const RoutePath &path, QString *owner)
{
    for (const auto &entry : entries) {
        if (entry->path.pattern() == path.pattern()) {
            *owner = entry->path.file();
            return true;
        }
    }
    return false;
}

std::optional<RoutePath> Router::checkedPath(const QString &file, RoutePath::Kind expected)
{
    QString error;
    std::optional<RoutePath> path = RoutePath::fromFile(file, &error);
    if (!path) {
        m_errors.append(error);
        return std::nullopt;
    }
    if (path->kind() != expected) {
        m_errors.append(u"route file \"%1\": registered as the wrong kind of route"_s.arg(file));
        return std::nullopt;
    }
    QString owner;
    const bool taken = expected == RoutePath::Kind::Rest ? pathTaken(m_rest, *path, &owner)
                                                         : pathTaken(m_webSockets, *path, &owner);
    if (taken) {
        m_errors.append(u"route files \"%1\" and \"%2\" both serve %3"_s.arg(owner, file,
                                                                             path->pattern()));
        return std::nullopt;
    }
    return path;
}

template<typename Entry>
static void insertBySpecificity(std::vector<std::unique_ptr<Entry>> &entries,
                                std::unique_ptr<Entry> entry)
{
    auto position = std::find_if(entries.begin(), entries.end(), [&](const auto &existing) {
        return entry->path.isMoreSpecificThan(existing->path);
    });
    entries.insert(position, std::move(entry));
}

void Router::addRestRoute(const QString &file, const std::function<void(RestRoute &)> &define)
{
    std::optional<RoutePath> path = checkedPath(file, RoutePath::Kind::Rest);
    if (!path)
        return;
    auto entry = std::make_unique<RestEntry>(RestEntry{std::move(*path), {}});
    define(entry->route);
    insertBySpecificity(m_rest, std::move(entry));
}

void Router::addWebSocketRoute(const QString &file, const std::function<void(WsRoute &)> &define)
{
    std::optional<RoutePath> path = checkedPath(file, RoutePath::Kind::WebSocket);
    if (!path)
        return;
    auto entry = std::make_unique<WebSocketEntry>(WebSocketEntry{std::move(*path), {}});
    define(entry->route);
    for (const QString &event : std::as_const(m_builtinEvents)) {
        if (entry->route.binding(event)) {
            m_errors.append(u"route file \"%1\": \"%2\" is built in and cannot be bound by a route "
                            "(react to joins with onJoin())"_s.arg(file, event));
            return;
        }
    }
    // A catalog entry the console could not use is a start-up error, not a surprise in the playground.
    for (const QString &event : entry->route.events()) {
        const std::optional<EventDoc> &doc = entry->route.binding(event)->doc;
        if (!doc)
            continue;
        QString problem = jsonschema::checkSchema(doc->schema);
        if (problem.isEmpty() && !doc->example.isUndefined())
            problem = jsonschema::validate(doc->example, doc->schema);
        if (!problem.isEmpty()) {
            m_errors.append(u"route file \"%1\": the description of \"%2\": %3"_s.arg(file, event, problem));
            return;
        }
    }
    insertBySpecificity(m_webSockets, std::move(entry));
}

template<typename Match, typename Entries>
static Match findRoute(const Entries &entries, const QString &encodedPath)
{
    const std::optional<QStringList> segments = RoutePath::splitRequestPath(encodedPath);
    if (!segments)
        return {};
    for (const auto &entry : entries) {
        if (auto params = entry->path.match(*segments))
            return Match{entry.get(), std::move(*params)};
    }
    return {};
}

WsRoute::EventBinding &Router::on(const QString &event, EventHandler handler)
{
    return m_globalEvents.on(event, std::move(handler));
}

const WsRoute::EventBinding *Router::globalBinding(const QString &event) const
{
    return m_globalEvents.binding(event);
}

QStringList Router::globalEvents() const
{
    QStringList events = m_globalEvents.events();
    events.sort();
    return events;
}

WsRoute::EventBinding &Router::onBuiltin(const QString &event, EventHandler handler)
{
    m_builtinEvents.insert(event);
    return m_globalEvents.on(event, std::move(handler));
}

QStringList Router::missingServices() const
{
    QStringList problems;
    const auto check = [&](const auto &entries) {
        for (const auto &entry : entries) {
            for (const QString &service : entry->route.missingServices(m_services))
                problems.append(u"route file \"%1\" (%2) requires the service %3, which the app did "
                                "not provide (Router::services().provide() before listen())"_s.arg(
                                        entry->path.file(), entry->path.pattern(), service));
        }
    };
    check(m_rest);
    check(m_webSockets);
    return problems;
}

const Router::WebSocketEntry *Router::webSocketRoute(const QString &pattern) const
{
    for (const auto &entry : m_webSockets) {
        if (entry->path.pattern() == pattern)
            return entry.get();
    }
    return nullptr;
}

Router::RestMatch Router::matchRest(const QString &encodedPath) const
{
    return findRoute<RestMatch>(m_rest, encodedPath);
}

Router::WebSocketMatch Router::matchWebSocket(const QString &encodedPath) const
{
    return findRoute<WebSocketMatch>(m_webSockets, encodedPath);
}

std::optional<Error> Router::runMiddleware(Context &context,
                                           const QList<Middleware> &routeMiddleware) const
{
    for (const auto *chain : {&m_middleware, &routeMiddleware}) {
        for (const Middleware &middleware : *chain) {
            if (std::optional<Error> error = middleware(context))
                return error;
        }
    }
    return std::nullopt;
}

} // namespace cortado
