#pragma once

#include "tokenstore.h"

#include <QObject>
#include <QVariantList>

// What the console remembers, for the connect page (Main.qml's `settings`): the saved servers to
// pick from, each one's token in the system keychain (TokenStore), and the look: "system" (follow
// the desktop), "light" or "dark".
class ConsoleSettings : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url NOTIFY urlChanged) // the server to show first
    Q_PROPERTY(QString token READ token NOTIFY tokenChanged) // from the command line, or read from the keychain
    Q_PROPERTY(QVariantList servers READ servers NOTIFY serversChanged) // [{name, url}], most recent first
    Q_PROPERTY(QString keychainStatus READ keychainStatus NOTIFY keychainStatusChanged)
    Q_PROPERTY(bool keychainBusy READ keychainBusy NOTIFY keychainStatusChanged)
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)

public:
    // `url` and `token` as given on the command line or in the environment; empty: the last server
    // and its token from the keychain.
    ConsoleSettings(TokenStore &store, QString url, QString token, QObject *parent = nullptr);

    QString url() const { return m_url; }
    QString token() const { return m_token; }
    QVariantList servers() const;
    QString keychainStatus() const { return m_keychainStatus; }
    bool keychainBusy() const { return m_pending > 0; }

    // Puts the server first in the list and its token in the keychain (an empty token deletes it).
    Q_INVOKABLE void remember(const QString &url, const QString &token, const QString &name = {});
    // Removes the server from the list and its token from the keychain.
    Q_INVOKABLE void forget(const QString &url);
    // Reads the server's token from the keychain: tokenLoaded(url, token) when done (token empty if
    // none is stored), and keychainStatus says what happened.
    Q_INVOKABLE void loadToken(const QString &url);

    QString theme() const { return m_theme; }
    void setTheme(const QString &theme);
    static bool isTheme(const QString &theme);

Q_SIGNALS:
    void urlChanged();
    void tokenChanged();
    void serversChanged();
    void keychainStatusChanged();
    void themeChanged();
    void tokenLoaded(const QString &url, const QString &token);
    void remembered(const QString &url, bool stored); // stored: the token is in the keychain

private:
    void setKeychainStatus(const QString &status);
    TokenStore &m_store;
    QString m_url, m_token, m_theme, m_keychainStatus;
    int m_pending = 0; // keychain jobs under way
};
