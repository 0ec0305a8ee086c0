#include "playground.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace {

cortado::ClientOptions probeOptions()
{
    cortado::ClientOptions options;
    options.reconnect = false;
    return options;
}

} // namespace

TestConnection::TestConnection(const QUrl &url, const QString &token, QObject *parent)
    : QAbstractListModel(parent), m_url(url), m_client(probeOptions()), m_status(u"connecting"_s)
{
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
        log(frame.value("event"_L1) == "ack"_L1 ? u"ack"_s : u"in"_s, text);
    });
    m_client.open(url, token.trimmed());
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
    }
    return {};
}

QHash<int, QByteArray> TestConnection::roleNames() const
{
    return {{TimeRole, "time"}, {KindRole, "kind"}, {TextRole, "text"}};
}

void TestConnection::log(const QString &kind, const QString &text)
{
    constexpr int MaxLines = 1000;
    if (m_lines.size() >= MaxLines) {
        beginRemoveRows({}, 0, 0);
        m_lines.removeFirst();
        endRemoveRows();
    }
    beginInsertRows({}, int(m_lines.size()), int(m_lines.size()));
    m_lines.append({QTime::currentTime().toString(u"HH:mm:ss.zzz"_s), kind, text});
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
    log(u"out"_s, text);
    return true;
}

Playground::Playground(QString settingsPath, QObject *parent)
    : QObject(parent), m_settingsPath(std::move(settingsPath))
{
}

TestConnection *Playground::open(const QString &serverUrl, const QString &route, const QString &token)
{
    QUrl url(serverUrl.trimmed());
    if (url.scheme() == "http"_L1)
        url.setScheme(u"ws"_s);
    url.setPath(route.startsWith(u'/') ? route : u'/' + route);
    auto *connection = new TestConnection(url, token, this);
    m_connections.append(connection);
    Q_EMIT connectionsChanged();
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

QString Playground::validate(const QString &text) const
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return u"invalid JSON at %1: %2"_s.arg(error.offset).arg(error.errorString());
    if (!document.isObject())
        return u"a frame is a JSON object"_s;
    if (!document.object().value("event"_L1).isString())
        return u"a frame needs \"event\""_s;
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
