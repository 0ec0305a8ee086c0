#pragma once

#include <cortado/client.h>

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <deque>

class AdminClient;

// One test client of the playground: a real connection to any route (a cortado::Client that does
// not reconnect: a probe shows what happened), with a log of what it sent and what came back (acks
// and messages side by side, every frame as it arrived). Each ack of a frame it sent carries the
// round trip, from the send to the ack's arrival, in milliseconds.
class TestConnection : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(QString route READ route CONSTANT)
    Q_PROPERTY(QString label READ label CONSTANT)
    Q_PROPERTY(QString socketId READ socketId NOTIFY stateChanged)
    Q_PROPERTY(bool connected READ isConnected NOTIFY stateChanged)
    Q_PROPERTY(QString status READ status NOTIFY stateChanged)
    Q_PROPERTY(double lastRoundTripMs READ lastRoundTripMs NOTIFY ackReceived)

public:
    enum Role { TimeRole = Qt::UserRole + 1, KindRole, TextRole, RoundTripRole };
    static constexpr int MaxLines = 1000; // the log keeps the last 1,000 frames
    static constexpr int MaxPendingAcks = 256; // sent frames whose ack is awaited; older ones are forgotten

    // `label` names the client for people ("alice (moderator)"); start() connects.
    TestConnection(const QUrl &url, const QString &label, QObject *parent = nullptr);
    ~TestConnection() override;

    void start(const QString &token);
    // Gives up before connecting (the token could not be minted): the status says why.
    void fail(const QString &why);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString route() const { return m_url.path(); }
    QString label() const { return m_label; }
    QString socketId() const { return m_client.socketId(); }
    bool isConnected() const { return m_client.state() == cortado::Client::Connected; }
    QString status() const { return m_status; }
    double lastRoundTripMs() const { return m_lastRoundTripMs; } // -1 before the first ack

    // Sends a JSON object frame as it is (raw: the playground is for poking the protocol); an
    // "id" is added when missing so an ack comes back. False (and nothing sent) when the text is
    // not a JSON object.
    Q_INVOKABLE bool send(const QString &json);
    Q_INVOKABLE void close() { m_client.close(); }

    // The frames received with `event` (their JSON text), oldest first: for tests and scripts.
    Q_INVOKABLE QStringList received(const QString &event) const;

Q_SIGNALS:
    void stateChanged();
    void ackReceived(double roundTripMs, const QJsonObject &frame);

private:
    void log(const QString &kind, const QString &text, double roundTripMs = -1);
    QUrl m_url;
    QString m_label;
    cortado::Client m_client;
    QString m_status;
    qint64 m_nextId = 1;
    struct Line { QString time, kind, text; double roundTripMs; };
    QList<Line> m_lines;
    // Round trips: when each awaited id (its compact JSON) was sent, on a monotonic clock.
    QElapsedTimer m_clock;
    QHash<QString, qint64> m_sentAtNs;
    std::deque<QString> m_sentOrder;
    double m_lastRoundTripMs = -1;
};

class Playground : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QList<QObject *> connections READ connections NOTIFY connectionsChanged)
    Q_PROPERTY(QStringList templateNames READ templateNames NOTIFY templatesChanged)
    // The WebSocket routes of the server's event catalog ("/chat", ...).
    Q_PROPERTY(QStringList catalogRoutes READ catalogRoutes NOTIFY catalogChanged)

public:
    // Limits of a templates file (import): its size, the templates in it, and each template's text
    // (a frame bigger than the server's 64 KiB message limit could not be sent anyway).
    static constexpr qint64 MaxTemplatesFileBytes = 2 * 1024 * 1024;
    static constexpr int MaxTemplates = 200;
    static constexpr int MaxTemplateChars = 64 * 1024;
    static constexpr int MaxTemplateNameChars = 64;

    // `admin` (optional) supplies the event catalog and mints tokens for openAs().
    explicit Playground(QString settingsPath, AdminClient *admin = nullptr, QObject *parent = nullptr);

    // `serverUrl` is ws://HOST:PORT; `route` a WebSocket route such as /chat.
    Q_INVOKABLE TestConnection *open(const QString &serverUrl, const QString &route, const QString &token,
                                     const QString &label = {});
    // The same signed in as `user` with `roles`: the token is minted by the server (admin:mint_token,
    // admins only, audited); the client connects when it arrives, or says why it did not.
    Q_INVOKABLE TestConnection *openAs(const QString &serverUrl, const QString &route, const QString &user,
                                       const QStringList &roles);
    Q_INVOKABLE void remove(TestConnection *connection);
    QList<QObject *> connections() const { return m_connections; }

    // The catalog (admin:catalog's answer); the AdminClient's snapshot sets it when there is one.
    void setCatalog(const QJsonObject &catalog);
    QStringList catalogRoutes() const;
    // The events a client of `route` may send: the route's own, then the ones every route answers.
    // Each {event, summary, requiresMembership, hasSchema, common}.
    Q_INVOKABLE QVariantList events(const QString &route) const;
    // A frame for `event`, pre-filled with the catalog's example payload; "room" when one is given.
    Q_INVOKABLE QString frameFor(const QString &route, const QString &event, const QString &room) const;

    // Empty when `text` is a frame worth sending; otherwise what is wrong with it: invalid JSON, no
    // "event", or — for an event the catalog of `route` describes — a payload its schema refuses
    // (a frame without "payload" is checked as null) or a missing "room" where membership is required.
    Q_INVOKABLE QString validate(const QString &text, const QString &route = {}) const;
    Q_INVOKABLE QString pretty(const QString &text) const;

    QStringList templateNames() const;
    Q_INVOKABLE QString templateText(const QString &name) const;
    Q_INVOKABLE void saveTemplate(const QString &name, const QString &text);
    // Saved templates as a JSON file {"cortadoTemplates": 1, "templates": [{name, text}]}, and back:
    // an import adds the file's templates (a name already saved is replaced). Each returns empty on
    // success, else what went wrong. `path` is a file path or a file:// URL.
    Q_INVOKABLE QString exportTemplates(const QString &path) const;
    Q_INVOKABLE QString importTemplates(const QString &path);

Q_SIGNALS:
    void connectionsChanged();
    void templatesChanged();
    void catalogChanged();

private:
    QJsonObject catalogEntry(const QString &route, const QString &event) const;
    TestConnection *add(const QString &serverUrl, const QString &route, const QString &label);

    QString m_settingsPath;
    QPointer<AdminClient> m_admin;
    QList<QObject *> m_connections;
    QJsonObject m_catalog;
};
