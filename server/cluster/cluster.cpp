#include "cluster.h"

#include "core/hub.h"
#include "redislink.h"
#include "wire.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcCluster, "cortado.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcClusterAudit, "cortado.audit", QtInfoMsg) // actions asked from another node

using namespace Qt::StringLiterals;

namespace cortado::cluster {

namespace {

const QByteArray BusChannel = QByteArrayLiteral("cortado:bus");

// Numbers a history room's message and publishes it, atomically: Redis runs a script alone, so the
// order of the offsets is the order on the bus, on every node.
//   KEYS[1] the room's counter   KEYS[2] the bus
//   ARGV[1] the frame up to its offset   ARGV[2] the rest   ARGV[3] the floor   ARGV[4] the bus head
// The floor is the sending node's latest offset of the room: a counter Redis lost (a restart
// without persistence) continues 1,000 above it instead of handing out offsets again.
const QByteArray SequenceScript = QByteArrayLiteral(R"lua(
local n = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[3])
if n <= floor then
  n = floor + 1000
  redis.call('SET', KEYS[1], n)
end
redis.call('PUBLISH', KEYS[2], ARGV[4] .. n .. '|' .. ARGV[1] .. ',"offset":' .. n .. ARGV[2])
return n
)lua");

QString randomNodeId()
{
    quint32 words[2];
    QRandomGenerator::global()->fillRange(words);
    const QByteArray raw(reinterpret_cast<const char *>(words), sizeof words);
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray counterKey(const Target &target)
{
    return "cortado:seq:" + target.routePath().toUtf8() + '\n' + target.roomName().toUtf8();
}

} // namespace

QJsonObject ClusterAnswers::marked(QJsonObject view) const
{
    if (partial()) {
        view.insert(u"partial"_s, true);
        view.insert(u"missingNodes"_s, QJsonArray::fromStringList(missing));
    }
    return view;
}

QJsonObject ClusterStatus::toJson() const
{
    QJsonArray nodes;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const PeerNode &peer : peers) {
        QJsonObject node = peer.heartbeat;
        node.insert(u"id"_s, peer.id);
        node.insert(u"lastHeartbeatMs"_s, now - peer.lastHeardMs);
        nodes.append(node);
    }
    QJsonObject json{{u"node"_s, nodeId}, {u"redis"_s, redisUp ? u"up"_s : u"down"_s},
                     {u"peers"_s, nodes}, {u"dropped"_s, dropped}};
    if (!redisUp)
        json.insert(u"lastError"_s, lastError);
    return json;
}

Cluster::Cluster(ClusterConfig config, Hub &hub, QObject *parent)
    : QObject(parent),
      m_config(std::move(config)),
      m_hub(hub),
      m_nodeId(m_config.nodeId.isEmpty() ? randomNodeId() : m_config.nodeId),
      m_origin(m_nodeId.toUtf8())
{
    QString error;
    const std::optional<RedisUrl> url = RedisUrl::parse(m_config.redisUrl, &error);
    Q_ASSERT_X(url, "Cluster", "the configuration checked the URL");
    m_link = std::make_unique<RedisLink>(url.value_or(RedisUrl{}));
    m_link->setSubscriptions({BusChannel, "cortado:node:" + m_origin});
    connect(m_link.get(), &RedisLink::message, this, &Cluster::receive);
    connect(m_link.get(), &RedisLink::up, this, [this] {
        qCInfo(lcCluster, "node %s: connected to redis", qUtf8Printable(m_nodeId));
        // Silence while we were away proves nothing: every peer gets a full timeout from now.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (PeerNode &peer : m_peers)
            peer.lastHeardMs = now;
        // The script is in Redis before the first message needs it: a NOSCRIPT retry would send
        // that message after later ones (only an operator's SCRIPT FLUSH can still cause it).
        m_link->command({"SCRIPT", "LOAD", SequenceScript});
        heartbeat(); // the others learn of this node at once
        // Whatever changed while the link was away: this node's presence, whole, and the others'.
        if (m_presence)
            publishPresence(m_presence->localParts(), true, true);
        Q_EMIT linkChanged(true);
    });
    connect(m_link.get(), &RedisLink::down, this, [this](const QString &reason) {
        qCWarning(lcCluster, "node %s: redis is away (%s); serving local sockets only", qUtf8Printable(m_nodeId),
                  qUtf8Printable(reason));
        linkDown();
    });
    answerBuiltinQuestions();
    m_heartbeat.setInterval(HeartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        heartbeat();
        expirePeers();
    });
}

// The Server unsets the hub's broker first: the services may keep this alive longer than the hub.
Cluster::~Cluster() = default;

void Cluster::attachPresence(Presence &presence)
{
    m_presence = &presence;
    presence.setPublisher([this](const QList<Presence::RoomParts> &changed) { publishPresence(changed, false, false); });
    connect(this, &Cluster::peerLost, this, [this](const QString &id) { m_presence->dropRemote(id); });
}

void Cluster::start(const QString &address)
{
    m_address = address;
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_hub.setBroker(this);
    m_link->start();
    m_heartbeat.start();
}

bool Cluster::isUp() const
{
    return m_link->state() == RedisLink::State::Up;
}

ClusterStatus Cluster::status() const
{
    ClusterStatus status{m_nodeId, isUp(), m_link->lastError(), m_peers.values(), m_dropped};
    std::sort(status.peers.begin(), status.peers.end(),
              [](const PeerNode &a, const PeerNode &b) { return a.id < b.id; });
    return status;
}

void Cluster::publish(const Target &target, const QString &event, const QByteArray &frame)
{
    if (!m_link->publish(BusChannel, wire::encodeSend(m_origin, target, event, frame)))
        ++m_dropped;
}

bool Cluster::publishSequenced(const Target &target, const QString &event, const SocketId &sender,
                               const protocol::FrameParts &parts, qint64 floor)
{
    const QByteArray head = wire::encodeSequencedHead(m_origin, target, event, sender);
    // Until the script answers the message is in flight; if the link drops first, nobody will see
    // it come back: this node's members get it without an offset (docs/cluster.md, "Outages").
    return m_link->evalScript(SequenceScript, {counterKey(target), BusChannel},
                              {parts.head, parts.tail, QByteArray::number(floor), head},
                              [this, target, event, sender, parts](const RedisValue &reply) {
                                  if (reply.type == RedisValue::Type::Integer)
                                      return; // it comes back on the bus
                                  qCWarning(lcCluster, "a message into %s %s was not numbered: %s",
                                            qUtf8Printable(target.routePath()), qUtf8Printable(target.roomName()),
                                            reply.isError() ? reply.string.constData() : "redis went away");
                                  m_hub.deliverUnsequenced(target, event, parts.head + parts.tail, sender);
                              });
}

void Cluster::receive(const QByteArray &channel, const QByteArray &payload)
{
    Q_UNUSED(channel);
    const std::optional<wire::Header> header = wire::readHeader(payload);
    if (!header) {
        qCWarning(lcCluster, "a bus message that is not Cortado's was ignored (%lld bytes)", qint64(payload.size()));
        return;
    }
    const bool own = header->origin == m_origin;
    if (own && header->kind != wire::Kind::Sequenced)
        return; // delivered here before it was published
    switch (header->kind) {
    case wire::Kind::Send:
    case wire::Kind::Sequenced: {
        const std::optional<wire::Routed> routed = wire::readRouted(*header, payload);
        if (!routed) {
            qCWarning(lcCluster, "a malformed message from node %s was ignored", header->origin.constData());
            return;
        }
        if (header->kind == wire::Kind::Send)
            m_hub.deliverRemote(routed->target, routed->event, routed->frame);
        else
            m_hub.deliverSequenced(routed->target, routed->event, routed->offset, routed->frame, routed->sender, own);
        return;
    }
    case wire::Kind::Presence:
        receivePresence(QString::fromUtf8(header->origin), QByteArrayView(payload).sliced(header->bodyAt));
        return;
    case wire::Kind::Request:
        receiveRequest(QString::fromUtf8(header->origin), QByteArrayView(payload).sliced(header->bodyAt));
        return;
    case wire::Kind::Reply:
        receiveReply(QString::fromUtf8(header->origin), QByteArrayView(payload).sliced(header->bodyAt));
        return;
    case wire::Kind::Heartbeat: {
        const QString id = QString::fromUtf8(header->origin);
        const QJsonObject figures = QJsonDocument::fromJson(payload.sliced(header->bodyAt)).object();
        const bool isNew = !m_peers.contains(id);
        m_peers.insert(id, PeerNode{id, figures, QDateTime::currentMSecsSinceEpoch()});
        if (m_lostPeers.remove(id) && m_presence) {
            // Declared gone too early (it was only slow): its users were dropped here, so it sends
            // its whole presence again (to everyone: the others may have dropped it too).
            m_link->publish("cortado:node:" + header->origin,
                            wire::encode(wire::Kind::Presence, m_origin, QByteArrayLiteral("{\"resend\":true}")));
        }
        if (isNew) {
            qCInfo(lcCluster, "node %s: node %s joined", qUtf8Printable(m_nodeId), qUtf8Printable(id));
            Q_EMIT peerJoined(id);
        }
        return;
    }
    default:
        return; // kinds of later versions of this node's protocol
    }
}

void Cluster::heartbeat()
{
    if (!isUp())
        return;
    const QJsonObject figures{{u"address"_s, m_address},
                              {u"startedAt"_s, m_startedAtMs},
                              {u"connections"_s, m_hub.sessionCount()},
                              {u"rooms"_s, m_hub.rooms().size()},
                              {u"messagesIn"_s, m_hub.messagesIn()},
                              {u"messagesOut"_s, m_hub.messagesOut()}};
    m_link->publish(BusChannel, wire::encode(wire::Kind::Heartbeat, m_origin, protocol::toCompactJson(figures)));
}

void Cluster::expirePeers()
{
    // While our own link is down silence proves nothing: peers are kept until it is back.
    if (!isUp())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_lostPeers.removeIf([now](const auto &lost) { return now - lost.value() > LostPeerMemoryMs; });
    for (auto peer = m_peers.begin(); peer != m_peers.end();) {
        if (now - peer->lastHeardMs <= PeerTimeoutMs) {
            ++peer;
            continue;
        }
        const QString id = peer->id;
        peer = m_peers.erase(peer);
        m_lostPeers.insert(id, now);
        qCWarning(lcCluster, "node %s: node %s is gone (no heartbeat for %d ms)", qUtf8Printable(m_nodeId),
                  qUtf8Printable(id), PeerTimeoutMs);
        Q_EMIT peerLost(id);
    }
}

void Cluster::publishPresence(const QList<Presence::RoomParts> &rooms, bool full, bool hello)
{
    if (!isUp())
        return; // the next Up sends everything
    QJsonArray roomList;
    for (const Presence::RoomParts &room : rooms) {
        QJsonArray users;
        for (const PresenceEntry &user : room.users)
            users.append(user.toPartJson());
        roomList.append(QJsonObject{{u"route"_s, room.route}, {u"room"_s, room.room}, {u"users"_s, users}});
    }
    const QJsonObject body{{u"full"_s, full}, {u"hello"_s, hello}, {u"rooms"_s, roomList}};
    m_link->publish(BusChannel, wire::encode(wire::Kind::Presence, m_origin, protocol::toCompactJson(body)));
}

void Cluster::receivePresence(const QString &node, QByteArrayView body)
{
    if (!m_presence)
        return;
    const QJsonObject message = QJsonDocument::fromJson(body.toByteArray()).object();
    if (message.value("resend"_L1).toBool()) { // a node that dropped ours asks for it again
        publishPresence(m_presence->localParts(), true, false);
        return;
    }
    QList<Presence::RoomParts> rooms;
    for (const QJsonValue &roomValue : message.value("rooms"_L1).toArray()) {
        const QJsonObject room = roomValue.toObject();
        Presence::RoomParts parts{room.value("route"_L1).toString(), room.value("room"_L1).toString(), {}};
        for (const QJsonValue &user : room.value("users"_L1).toArray()) {
            PresenceEntry entry = PresenceEntry::fromPartJson(user.toObject());
            if (!entry.id.isEmpty())
                parts.users.append(std::move(entry));
        }
        rooms.append(std::move(parts));
    }
    m_presence->applyRemote(node, rooms, message.value("full"_L1).toBool());
    if (message.value("hello"_L1).toBool()) // a node arrived or came back: it needs ours
        publishPresence(m_presence->localParts(), true, false);
}

bool Cluster::ask(const QString &question, const QJsonObject &args, AnswersHandler done)
{
    if (m_questions.size() >= MaxQuestionsInFlight)
        return false;
    const quint64 id = ++m_nextQuestion;
    Question &pending = m_questions[id];
    pending.done = std::move(done);
    for (const PeerNode &peer : std::as_const(m_peers))
        pending.waiting.insert(peer.id);
    if (!isUp() || pending.waiting.isEmpty()) {
        // Nobody can answer: done now (queued, so that callers see one behaviour).
        QMetaObject::invokeMethod(this, [this, id] { finishQuestion(id); }, Qt::QueuedConnection);
        return true;
    }
    const QJsonObject request{{u"id"_s, QString::number(id)}, {u"question"_s, question}, {u"args"_s, args}};
    m_link->publish(BusChannel, wire::encode(wire::Kind::Request, m_origin, protocol::toCompactJson(request)));
    pending.timeout = new QTimer(this);
    pending.timeout->setSingleShot(true);
    connect(pending.timeout, &QTimer::timeout, this, [this, id] { finishQuestion(id); });
    pending.timeout->start(m_config.timeoutMs);
    return true;
}

void Cluster::finishQuestion(quint64 id)
{
    auto it = m_questions.find(id);
    if (it == m_questions.end())
        return;
    Question question = std::move(*it);
    m_questions.erase(it);
    if (question.timeout)
        question.timeout->deleteLater();
    question.answers.missing = QStringList(question.waiting.cbegin(), question.waiting.cend());
    question.answers.missing.sort();
    question.done(question.answers);
}

void Cluster::answer(const QString &question, Answerer answerer)
{
    m_answerers.insert(question, std::move(answerer));
}

void Cluster::receiveRequest(const QString &node, QByteArrayView body)
{
    const QJsonObject request = QJsonDocument::fromJson(body.toByteArray()).object();
    const auto answerer = m_answerers.constFind(request.value("question"_L1).toString());
    QJsonObject answer = answerer == m_answerers.cend()
            ? QJsonObject{{u"error"_s, u"unknown_question"_s}} // a node of another version
            : (*answerer)(request.value("args"_L1).toObject());
    QByteArray json = protocol::toCompactJson(QJsonObject{{u"id"_s, request.value("id"_L1)}, {u"answer"_s, answer}});
    if (json.size() > MaxAnswerBytes)
        json = protocol::toCompactJson(QJsonObject{{u"id"_s, request.value("id"_L1)},
                                                   {u"answer"_s, QJsonObject{{u"error"_s, u"too_large"_s}}}});
    m_link->publish("cortado:node:" + node.toUtf8(), wire::encode(wire::Kind::Reply, m_origin, json));
}

void Cluster::receiveReply(const QString &node, QByteArrayView body)
{
    const QJsonObject reply = QJsonDocument::fromJson(body.toByteArray()).object();
    const quint64 id = reply.value("id"_L1).toString().toULongLong();
    const auto it = m_questions.find(id);
    if (it == m_questions.end() || !it->waiting.remove(node))
        return; // late (after the timeout), or a repeat
    const QJsonObject answer = reply.value("answer"_L1).toObject();
    it->answers.answers.append({node, answer});
    if (it->waiting.isEmpty() || (it->enough && it->enough(answer)))
        finishQuestion(id);
}

bool Cluster::act(const QString &action, const SocketId &socket, const QJsonObject &args, const QString &actor,
                  ActionHandler done)
{
    QJsonObject request = args;
    request.insert(u"action"_s, action);
    request.insert(u"socket"_s, socket);
    request.insert(u"actor"_s, actor);
    const bool asked = ask(u"act"_s, request, [done = std::move(done)](const ClusterAnswers &answers) {
        for (const auto &[node, answer] : answers.answers) {
            if (answer.value("found"_L1).toBool())
                return done(true, answer.value("changed"_L1).toBool());
        }
        done(false, false);
    });
    if (asked) // the holder's answer is enough: no need to wait for the others
        m_questions[m_nextQuestion].enough = [](const QJsonObject &answer) { return answer.value("found"_L1).toBool(); };
    return asked;
}

// The questions every node answers: its rooms and their members (cluster-wide REST views and the
// console) and actions on its sockets.
void Cluster::answerBuiltinQuestions()
{
    answer(u"rooms"_s, [this](const QJsonObject &args) {
        QJsonArray rooms;
        for (const RoomInfo &room : m_hub.rooms(args.value("route"_L1).toString())) {
            if (Hub::isInternalRoute(room.route))
                continue;
            rooms.append(QJsonObject{{u"route"_s, room.route}, {u"room"_s, room.name}, {u"members"_s, room.members}});
        }
        return QJsonObject{{u"rooms"_s, rooms}};
    });
    answer(u"members"_s, [this](const QJsonObject &args) { // one room, on every route that has it here
        const QString name = args.value("room"_L1).toString();
        QJsonArray routes;
        for (const RoomInfo &room : m_hub.rooms(args.value("route"_L1).toString())) {
            if (room.name != name || Hub::isInternalRoute(room.route))
                continue;
            QJsonArray sockets;
            for (const Session *member : m_hub.members(room.route, name))
                sockets.append(member->id());
            routes.append(QJsonObject{{u"route"_s, room.route}, {u"sockets"_s, sockets}});
        }
        return QJsonObject{{u"routes"_s, routes}};
    });
    answer(u"act"_s, [this](const QJsonObject &args) {
        const SocketId socket = args.value("socket"_L1).toString();
        if (!m_hub.session(socket))
            return QJsonObject{{u"found"_s, false}};
        const QString action = args.value("action"_L1).toString();
        const QString actor = args.value("actor"_L1).toString() + u" (from another node)"_s;
        bool changed = false;
        if (action == "disconnect"_L1) {
            qCInfo(lcClusterAudit, "disconnect by %s: socket %s (%s)", qUtf8Printable(actor), qUtf8Printable(socket),
                   qUtf8Printable(args.value("reason"_L1).toString()));
            changed = m_hub.disconnect(socket, args.value("code"_L1).toInt(1000), args.value("reason"_L1).toString());
        }
        else if (action == "join"_L1)
            changed = m_hub.serverJoin(socket, args.value("room"_L1).toString(), actor);
        else if (action == "leave"_L1)
            changed = m_hub.serverLeave(socket, args.value("room"_L1).toString(), actor);
        else
            return QJsonObject{{u"found"_s, true}, {u"error"_s, u"unknown_action"_s}};
        return QJsonObject{{u"found"_s, true}, {u"changed"_s, changed}};
    });
}

void Cluster::linkDown()
{
    m_hub.releaseHeldFrames(); // nothing in flight will come back
    Q_EMIT linkChanged(false);
}

} // namespace cortado::cluster
