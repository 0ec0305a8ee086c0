// The node's connection to Redis (cluster mode): two hiredis async contexts, one for commands and
// one for subscriptions, driven by the event loop of the thread that creates the link (the hub
// thread). It reconnects by itself, watches for a hung Redis and bounds what it buffers, so its
// user only sees Up (commands accepted) or Down (nothing queued for Redis).
//
// Not thread-safe: every call on the link's thread. docs/architecture.md ("Cluster") has the why.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

#include <functional>
#include <optional>

struct redisAsyncContext;
struct redisReply;

namespace cortado::cluster {

struct RedisUrl
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QByteArray user, password;
    int db = 0;

    // redis://[[user]:password@]host[:port][/db] (user and password percent-decoded). rediss:// is
    // refused with "TLS to Redis needs hiredis >= 1.0"; anything else malformed: std::nullopt and
    // `error` says what (never quoting the password).
    static std::optional<RedisUrl> parse(const QString &url, QString *error);
    QString display() const; // redis://user@host:port/db, without the password
};

// One reply, copied out of hiredis' redisReply (which dies after the callback).
struct RedisValue
{
    enum class Type { Nil, Error, Status, Integer, String, Array };
    Type type = Type::Nil;
    QByteArray string; // String, Status, Error
    qint64 integer = 0;
    QList<RedisValue> elements;
    bool isError() const { return type == Type::Error; }

    static RedisValue fromReply(const redisReply *reply); // nullptr: Nil
};

// The link's bounds and timings (RedisLink::Limits). Outside the class only so that its default
// member initializers may serve as RedisLink's default argument.
struct RedisLinkLimits
{
    int connectTimeoutMs = 2000; // connect + AUTH/SELECT + SUBSCRIBE confirmed, from the attempt's start
    int pingIntervalMs = 1000; // PING on the command connection while Up
    int pingTimeoutMs = 3000; // a PING unanswered this long: Down ("no PONG in 3000 ms")
    int backoffMinMs = 100; // first reconnect delay, doubled per failed attempt, ±20 % jitter
    int backoffMaxMs = 5000;
    qint64 maxPendingBytes = 32 << 20; // command bytes not yet answered; beyond: Down ("redis too slow")
};

class RedisLink : public QObject
{
    Q_OBJECT
public:
    enum class State { Down, Connecting, Up };
    using Limits = RedisLinkLimits;

    explicit RedisLink(RedisUrl url, Limits limits = {}, QObject *parent = nullptr);
    // Frees both contexts; pending handlers are not called. Safe inside a reply handler or a slot of
    // up()/message() (hiredis then frees the context once its callback returns).
    ~RedisLink() override;

    void start(); // connect; on failure or loss, reconnect with backoff until stop()
    void stop(); // disconnect (pending handlers get Nil), no reconnect; down() if it was Up
    State state() const { return m_state; }
    // Why it went (or stayed) Down last: "Connection refused", "no PONG in 3000 ms",
    // "redis too slow: 33554432 bytes pending", "AUTH: WRONGPASS ...". Empty before any failure.
    QString lastError() const { return m_lastError; }
    const RedisUrl &url() const { return m_url; }

    // Channels SUBSCRIBEd on the subscription connection on every Up. Set any time; a change while
    // connected subscribes/unsubscribes at once (Up waits for every channel's confirmation).
    void setSubscriptions(const QList<QByteArray> &channels);

    // Called once with the reply; with a Nil value (and lastError() set) when the link dropped first.
    using ReplyHandler = std::function<void(const RedisValue &)>;
    // Queued on the command connection. false (handler not called) when not Up, or when it would
    // take pendingBytes() over maxPendingBytes (the link then goes Down: "redis too slow").
    // Binary-safe: each argument is sent with its length.
    bool command(const QList<QByteArray> &argv, ReplyHandler handler = {});
    bool publish(const QByteArray &channel, const QByteArray &message); // PUBLISH, reply ignored
    // A Lua script: EVALSHA with its SHA-1, and EVAL once on NOSCRIPT (Redis restarted or flushed).
    bool evalScript(const QByteArray &lua, const QList<QByteArray> &keys, const QList<QByteArray> &args,
                    ReplyHandler handler);
    // Argument bytes of commands sent and not answered yet (including those still in hiredis'
    // output buffer).
    qint64 pendingBytes() const { return m_pendingBytes; }

Q_SIGNALS:
    void up(); // both connections ready, AUTH/SELECT done, subscriptions confirmed
    void down(const QString &reason); // once per Up → Down
    // From the subscriptions; may also come while Connecting, once its channel is confirmed.
    void message(const QByteArray &channel, const QByteArray &payload);

private:
    struct Pending;
    enum class Role { Command, Subscription };

    void connectNow();
    void openContexts(const QByteArray &ip);
    redisAsyncContext *open(const QByteArray &ip);
    bool send(redisAsyncContext *context, const QList<QByteArray> &argv, Pending *pending);
    void fail(const QString &reason); // from anywhere: Down at the next event-loop pass
    void tearDown(); // never from inside a hiredis connect/disconnect callback
    void freeContext(redisAsyncContext *&context);
    void scheduleReconnect();
    void ready(Role role);
    void subscribeChanges();
    void maybeUp();
    void ping();

    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void onSubscription(redisAsyncContext *context, void *reply, void *privdata);
    void handleReply(redisAsyncContext *context, redisReply *reply, Pending &pending);
    void handleSubscription(redisReply *reply);

    RedisUrl m_url;
    Limits m_limits;
    State m_state = State::Down;
    QString m_lastError;
    bool m_started = false;
    bool m_failing = false; // a failure is recorded; tearDown() is queued
    quint64 m_generation = 0; // per connect attempt: replies of older contexts change nothing

    redisAsyncContext *m_cmd = nullptr;
    redisAsyncContext *m_sub = nullptr;
    redisAsyncContext *m_freeing = nullptr; // being freed by tearDown() (its callbacks still run)
    bool m_cmdReady = false;
    bool m_subReady = false;

    QSet<QByteArray> m_channels; // wanted
    QSet<QByteArray> m_requested; // sent (SUBSCRIBE) on the current subscription connection
    QSet<QByteArray> m_confirmed; // confirmed by Redis on it

    qint64 m_pendingBytes = 0;
    int m_backoffMs = 0;
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    QTimer m_pingTimer;
    QElapsedTimer m_pingSent; // valid while a PING is unanswered
};

} // namespace cortado::cluster
