#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

// The servers the console has connected to (name and URL, in its settings file, most recent first)
// and their tokens — in the system keychain (the Secret Service of GNOME Keyring or KWallet, through
// QtKeychain), never in a file. Without a keychain nothing secret is stored: QtKeychain's plain-text
// fallback stays off, the operator is told, and the token lasts as long as the console runs.
class TokenStore : public QObject
{
    Q_OBJECT

public:
    static constexpr int MaxServers = 20; // the oldest is forgotten beyond this (its token too)

    struct Server
    {
        QString name, url;
    };
    // `token` is empty when none is stored; `error` is empty unless the keychain failed (no
    // keychain, access denied, ...), and then says why in words.
    using Done = std::function<void(const QString &token, const QString &error)>;

    explicit TokenStore(QString directory, QObject *parent = nullptr); // where the settings live
    QString settingsPath() const;

    QList<Server> servers() const;
    QString lastUrl() const; // the server used last, or empty
    // Puts the server first (adds it, or renames it when `name` is not empty).
    void rememberServer(const QString &url, const QString &name = {});
    // Forgets the server and deletes its token from the keychain.
    void forgetServer(const QString &url, QObject *context, Done done);

    // The keychain, asynchronous: `done` runs on `context`'s thread unless `context` is gone.
    void readToken(const QString &url, QObject *context, Done done);
    void writeToken(const QString &url, const QString &token, QObject *context, Done done);
    void deleteToken(const QString &url, QObject *context, Done done);

    // The service name the tokens are filed under (one entry per server URL). Tests use another.
    QString service() const { return m_service; }
    void setService(const QString &service) { m_service = service; }

private:
    void saveServers(const QList<Server> &servers);
    QString m_directory;
    QString m_service = QStringLiteral("cortado-console");
};
