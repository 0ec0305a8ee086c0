#pragma once

#include <cortado/client.h>

#include <QAbstractListModel>
#include <QJsonObject>
#include <QObject>

// One test client of the playground: a real connection to any route (a cortado::Client that does
// not reconnect: a probe shows what happened), with a log of what it sent and what came back (acks
// and messages side by side, every frame as it arrived).
class TestConnection : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(QString route READ route CONSTANT)
    Q_PROPERTY(QString socketId READ socketId NOTIFY stateChanged)
    Q_PROPERTY(bool connected READ isConnected NOTIFY stateChanged)
    Q_PROPERTY(QString status READ status NOTIFY stateChanged)

public:
    enum Role { TimeRole = Qt::UserRole + 1, KindRole, TextRole };
    TestConnection(const QUrl &url, const QString &token, QObject *parent = nullptr);
    ~TestConnection() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString route() const { return m_url.path(); }
    QString socketId() const { return m_client.socketId(); }
    bool isConnected() const { return m_client.state() == cortado::Client::Connected; }
    QString status() const { return m_status; }

    // Sends a JSON object frame as it is (raw: the playground is for poking the protocol); an
    // "id" is added when missing so an ack comes back. False (and nothing sent) when the text is
    // not a JSON object.
    Q_INVOKABLE bool send(const QString &json);
    Q_INVOKABLE void close() { m_client.close(); }

Q_SIGNALS:
    void stateChanged();

private:
    void log(const QString &kind, const QString &text);
    QUrl m_url;
    cortado::Client m_client;
    QString m_status;
    qint64 m_nextId = 1;
    struct Line { QString time, kind, text; };
    QList<Line> m_lines;
};

class Playground : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QList<QObject *> connections READ connections NOTIFY connectionsChanged)
    Q_PROPERTY(QStringList templateNames READ templateNames NOTIFY templatesChanged)

public:
    explicit Playground(QString settingsPath, QObject *parent = nullptr);

    // `serverUrl` is ws://HOST:PORT; `route` a WebSocket route such as /chat.
    Q_INVOKABLE TestConnection *open(const QString &serverUrl, const QString &route, const QString &token);
    Q_INVOKABLE void remove(TestConnection *connection);
    QList<QObject *> connections() const { return m_connections; }

    // A message for invalid JSON, or empty when `text` is a JSON object.
    Q_INVOKABLE QString validate(const QString &text) const;
    Q_INVOKABLE QString pretty(const QString &text) const;

    QStringList templateNames() const;
    Q_INVOKABLE QString templateText(const QString &name) const;
    Q_INVOKABLE void saveTemplate(const QString &name, const QString &text);

Q_SIGNALS:
    void connectionsChanged();
    void templatesChanged();

private:
    QString m_settingsPath;
    QList<QObject *> m_connections;
};
