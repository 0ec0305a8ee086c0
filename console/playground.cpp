#include "playground.h"

#include "adminclient.h"

#include <cortado/jsonschema.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace {

cortado::ClientOptions probeOptions()
{
    cortado::ClientOptions options;
    options.reconnect = false;
    return options;
}

// A frame's id as its ack carries it, as compact JSON: 1 and "1" are different ids.
QString idKey(const QJsonValue &id)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray{id}).toJson(QJsonDocument::Compact));
}

} // namespace

TestConnection::TestConnection(const QUrl &url, const QString &label, QObject *parent)
    : QAbstractListModel(parent), m_url(url), m_label(label), m_client(probeOptions()), m_status(u"connecting"_s)
{
    m_clock.start();
    connect(&m_client, &cortado::Client::connected, this, [this] {
        m_status = u"connected"_s;
        Q_EMIT stateChanged();
    });
    connect(&m_client, &cortado::Client::disconnected, this, [this](int code, const QString &reason) {
        m_status = u"closed %1 %2"_s.arg(code).arg(reason);
        log(u"closed"_s, m_status);
        Q_EMIT stateChanged();
    });
    connect(&m_client, &cortado::Client::frameReceived, this, [this](const QJsonObject &frame) {
        const QString text = QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
        if (frame.value("event"_L1) != "ack"_L1) {
            log(u"in"_s, text);
            return;
        }
        double roundTripMs = -1;
        if (const auto sent = m_sentAtNs.constFind(idKey(frame.value("id"_L1))); sent != m_sentAtNs.cend()) {
            roundTripMs = double(m_clock.nsecsElapsed() - *sent) / 1e6;
            m_sentAtNs.erase(sent); // the order queue forgets it when it comes up
            m_lastRoundTripMs = roundTripMs;
        }
        log(u"ack"_s, text, roundTripMs);
        if (roundTripMs >= 0)
            Q_EMIT ackReceived(roundTripMs, frame);
    });
}

void TestConnection::start(const QString &token)
{
    m_client.open(m_url, token.trimmed());
}

void TestConnection::fail(const QString &why)
{
    m_status = why;
    log(u"error"_s, why);
    Q_EMIT stateChanged();
}

TestConnection::~TestConnection()
{
    m_client.disconnect(this); // the client's last signals must not reach a half-destroyed log
}

int TestConnection::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_lines.size());
}

QVariant TestConnection::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Line &line = m_lines.at(index.row());
    switch (role) {
    case TimeRole: return line.time;
    case KindRole: return line.kind;
    case Qt::DisplayRole:
    case TextRole: return line.text;
    case RoundTripRole: return line.roundTripMs;
    }
    return {};
}

QHash<int, QByteArray> TestConnection::roleNames() const
{
    return {{TimeRole, "time"}, {KindRole, "kind"}, {TextRole, "text"}, {RoundTripRole, "roundTripMs"}};
}

void TestConnection::log(const QString &kind, const QString &text, double roundTripMs)
{
    if (m_lines.size() >= MaxLines) {
        beginRemoveRows({}, 0, 0);
        m_lines.removeFirst();
        endRemoveRows();
    }
    beginInsertRows({}, int(m_lines.size()), int(m_lines.size()));
    m_lines.append({QTime::currentTime().toString(u"HH:mm:ss.zzz"_s), kind, text, roundTripMs});
    endInsertRows();
}

bool TestConnection::send(const QString &json)
{
    QJsonParseError error;
    QJsonDocument document = QJsonDocument::fromJson(json.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return false;
    QJsonObject frame = document.object();
    if (!frame.contains("id"_L1))
        frame.insert(u"id"_s, m_nextId++);
    const QString text = QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
    if (!m_client.sendText(text)) {
        log(u"error"_s, u"not sent (the connection is not open): "_s + text);
        return true;
    }
    const QString id = idKey(frame.value("id"_L1));
    m_sentAtNs.insert(id, m_clock.nsecsElapsed());
    m_sentOrder.push_back(id);
    while (m_sentOrder.size() > MaxPendingAcks) { // bounded: acks that never come are forgotten
        m_sentAtNs.remove(m_sentOrder.front());
        m_sentOrder.pop_front();
    }
    log(u"out"_s, text);
    return true;
}

QStringList TestConnection::received(const QString &event) const
{
    QStringList frames;
    for (const Line &line : m_lines) {
        if (line.kind != "out"_L1 && QJsonDocument::fromJson(line.text.toUtf8()).object().value("event"_L1) == event)
            frames.append(line.text);
    }
    return frames;
}

Playground::Playground(QString settingsPath, AdminClient *admin, QObject *parent)
    : QObject(parent), m_settingsPath(std::move(settingsPath)), m_admin(admin)
{
    if (admin) {
        connect(admin, &AdminClient::serverChanged, this, [this] {
            if (m_admin)
                setCatalog(m_admin->catalog());
        });
        setCatalog(admin->catalog());
    }
}

TestConnection *Playground::add(const QString &serverUrl, const QString &route, const QString &label)
{
    QUrl url(serverUrl.trimmed());
    if (url.scheme() == "http"_L1)
        url.setScheme(u"ws"_s);
    if (url.scheme() == "https"_L1)
        url.setScheme(u"wss"_s);
    url.setPath(route.startsWith(u'/') ? route : u'/' + route);
    auto *connection = new TestConnection(url, label, this);
    m_connections.append(connection);
    Q_EMIT connectionsChanged();
    return connection;
}

TestConnection *Playground::open(const QString &serverUrl, const QString &route, const QString &token,
                                 const QString &label)
{
    TestConnection *connection = add(serverUrl, route, label.isEmpty() ? (token.trimmed().isEmpty() ? u"guest"_s : u"token"_s) : label);
    connection->start(token);
    return connection;
}

TestConnection *Playground::openAs(const QString &serverUrl, const QString &route, const QString &user,
                                   const QStringList &roles)
{
    QStringList cleanRoles;
    for (const QString &role : roles) {
        if (!role.trimmed().isEmpty())
            cleanRoles.append(role.trimmed());
    }
    const QString label = cleanRoles.isEmpty() ? user.trimmed() : u"%1 (%2)"_s.arg(user.trimmed(), cleanRoles.join(u", "_s));
    TestConnection *connection = add(serverUrl, route, label);
    if (!m_admin) {
        connection->fail(u"no admin connection to mint a token with"_s);
        return connection;
    }
    QPointer<TestConnection> guarded(connection);
    m_admin->mintToken(QJsonObject{{u"user"_s, user.trimmed()}, {u"roles"_s, QJsonArray::fromStringList(cleanRoles)}},
                       connection, [guarded](const cortado::Reply &reply) {
                           if (!guarded)
                               return;
                           if (reply.ok())
                               guarded->start(reply.payload().toObject().value("token"_L1).toString());
                           else
                               guarded->fail(u"no token: %1"_s.arg(reply.errorMessage().isEmpty() ? reply.errorCode()
                                                                                                 : reply.errorMessage()));
                       });
    return connection;
}

void Playground::remove(TestConnection *connection)
{
    if (m_connections.removeOne(connection)) {
        connection->close();
        connection->deleteLater();
        Q_EMIT connectionsChanged();
    }
}

void Playground::setCatalog(const QJsonObject &catalog)
{
    if (catalog == m_catalog)
        return;
    m_catalog = catalog;
    Q_EMIT catalogChanged();
}

QStringList Playground::catalogRoutes() const
{
    QStringList routes;
    for (const QJsonValue &route : m_catalog.value("routes"_L1).toArray())
        routes.append(route.toObject().value("path"_L1).toString());
    return routes;
}

QVariantList Playground::events(const QString &route) const
{
    QVariantList events;
    const auto appendEvents = [&events](const QJsonArray &list, bool common) {
        for (const QJsonValue &value : list) {
            const QJsonObject event = value.toObject();
            events.append(QVariantMap{{u"event"_s, event.value("event"_L1).toString()},
                                      {u"summary"_s, event.value("summary"_L1).toString()},
                                      {u"requiresMembership"_s, event.value("requiresMembership"_L1).toBool()},
                                      {u"hasSchema"_s, event.contains("schema"_L1)},
                                      {u"common"_s, common}});
        }
    };
    for (const QJsonValue &entry : m_catalog.value("routes"_L1).toArray()) {
        if (entry.toObject().value("path"_L1).toString() == route)
            appendEvents(entry.toObject().value("events"_L1).toArray(), false);
    }
    appendEvents(m_catalog.value("common"_L1).toArray(), true);
    return events;
}

QJsonObject Playground::catalogEntry(const QString &route, const QString &event) const
{
    for (const QJsonValue &entry : m_catalog.value("routes"_L1).toArray()) {
        if (entry.toObject().value("path"_L1).toString() != route)
            continue;
        for (const QJsonValue &value : entry.toObject().value("events"_L1).toArray()) {
            if (value.toObject().value("event"_L1).toString() == event)
                return value.toObject();
        }
    }
    for (const QJsonValue &value : m_catalog.value("common"_L1).toArray()) {
        if (value.toObject().value("event"_L1).toString() == event)
            return value.toObject();
    }
    return {};
}

QString Playground::frameFor(const QString &route, const QString &event, const QString &room) const
{
    const QJsonObject entry = catalogEntry(route, event);
    QJsonObject frame{{u"event"_s, event}};
    if (!room.trimmed().isEmpty())
        frame.insert(u"room"_s, room.trimmed());
    if (entry.contains("example"_L1))
        frame.insert(u"payload"_s, entry.value("example"_L1));
    return QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Indented));
}

QString Playground::validate(const QString &text, const QString &route) const
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return u"invalid JSON at %1: %2"_s.arg(error.offset).arg(error.errorString());
    if (!document.isObject())
        return u"a frame is a JSON object"_s;
    const QJsonObject frame = document.object();
    if (!frame.value("event"_L1).isString())
        return u"a frame needs \"event\""_s;
    const QJsonObject entry = catalogEntry(route, frame.value("event"_L1).toString());
    if (entry.value("requiresMembership"_L1).toBool() && !frame.value("room"_L1).isString())
        return u"%1 needs a \"room\" the client has joined"_s.arg(frame.value("event"_L1).toString());
    if (entry.contains("schema"_L1)) {
        const QJsonObject schema = entry.value("schema"_L1).toObject();
        // The server checked its schemas at start-up; a console talking to an older or foreign
        // server says so instead of half-checking.
        if (const QString unusable = cortado::jsonschema::checkSchema(schema); !unusable.isEmpty())
            return u"the catalog's schema cannot be used: %1"_s.arg(unusable);
        const QJsonValue payload = frame.contains("payload"_L1) ? frame.value("payload"_L1) : QJsonValue(QJsonValue::Null);
        if (const QString problem = cortado::jsonschema::validate(payload, schema); !problem.isEmpty())
            return u"payload %1"_s.arg(problem);
    }
    return {};
}

QString Playground::pretty(const QString &text) const
{
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
    return document.isNull() ? text : QString::fromUtf8(document.toJson(QJsonDocument::Indented));
}

QStringList Playground::templateNames() const
{
    QSettings settings(m_settingsPath, QSettings::IniFormat);
    settings.beginGroup(u"templates"_s);
    QStringList names = settings.childKeys();
    if (names.isEmpty())
        names = {u"join"_s, u"chat"_s};
    return names;
}

QString Playground::templateText(const QString &name) const
{
    QSettings settings(m_settingsPath, QSettings::IniFormat);
    const QString saved = settings.value(u"templates/"_s + name).toString();
    if (!saved.isEmpty())
        return saved;
    if (name == "join"_L1)
        return uR"({"event": "room:join", "room": "lobby"})"_s;
    return uR"({"event": "chat:send", "room": "lobby", "payload": {"text": "hello from the console"}})"_s;
}

void Playground::saveTemplate(const QString &name, const QString &text)
{
    QSettings settings(m_settingsPath, QSettings::IniFormat);
    settings.setValue(u"templates/"_s + name, text);
    Q_EMIT templatesChanged();
}

namespace {

QString localPath(const QString &path)
{
    const QString trimmed = path.trimmed();
    return trimmed.startsWith("file:"_L1) ? QUrl(trimmed).toLocalFile() : trimmed;
}

} // namespace

QString Playground::exportTemplates(const QString &path) const
{
    QJsonArray templates;
    for (const QString &name : templateNames())
        templates.append(QJsonObject{{u"name"_s, name}, {u"text"_s, templateText(name)}});
    QSaveFile file(localPath(path));
    if (!file.open(QIODevice::WriteOnly))
        return u"cannot write %1: %2"_s.arg(file.fileName(), file.errorString());
    file.write(QJsonDocument(QJsonObject{{u"cortadoTemplates"_s, 1}, {u"templates"_s, templates}}).toJson());
    if (!file.commit())
        return u"cannot write %1: %2"_s.arg(file.fileName(), file.errorString());
    return {};
}

QString Playground::importTemplates(const QString &path)
{
    QFile file(localPath(path));
    if (!file.open(QIODevice::ReadOnly))
        return u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString());
    if (file.size() > MaxTemplatesFileBytes)
        return u"a templates file holds at most %1 bytes"_s.arg(MaxTemplatesFileBytes);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(MaxTemplatesFileBytes), &error);
    if (error.error != QJsonParseError::NoError)
        return u"not JSON (at %1: %2)"_s.arg(error.offset).arg(error.errorString());
    if (document.object().value("cortadoTemplates"_L1) != QJsonValue(1) || !document.object().value("templates"_L1).isArray())
        return u"not a Cortado templates file: {\"cortadoTemplates\": 1, \"templates\": [...]}"_s;
    const QJsonArray templates = document.object().value("templates"_L1).toArray();
    if (templates.size() > MaxTemplates)
        return u"a templates file holds at most %1 templates"_s.arg(MaxTemplates);
    // Checked whole before anything is saved: a bad file changes nothing.
    QList<std::pair<QString, QString>> accepted;
    for (qsizetype i = 0; i < templates.size(); ++i) {
        const QJsonObject entry = templates.at(i).toObject();
        const QString name = entry.value("name"_L1).toString().trimmed();
        const QString text = entry.value("text"_L1).toString();
        // '/' and '\\' would split the settings key into groups.
        if (name.isEmpty() || name.size() > MaxTemplateNameChars || name.contains(u'/') || name.contains(u'\\'))
            return u"template %1: a name is 1 to %2 characters, without / or \\"_s.arg(i + 1).arg(MaxTemplateNameChars);
        if (!entry.value("text"_L1).isString() || text.size() > MaxTemplateChars)
            return u"template %1 (%2): the text is a string of at most %3 characters"_s.arg(i + 1).arg(name).arg(MaxTemplateChars);
        accepted.append({name, text});
    }
    QSettings settings(m_settingsPath, QSettings::IniFormat);
    for (const auto &[name, text] : std::as_const(accepted))
        settings.setValue(u"templates/"_s + name, text);
    Q_EMIT templatesChanged();
    return {};
}
