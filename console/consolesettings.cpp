#include "consolesettings.h"

#include <QSettings>

using namespace Qt::StringLiterals;

ConsoleSettings::ConsoleSettings(TokenStore &store, QString url, QString token, QObject *parent)
    : QObject(parent), m_store(store), m_url(std::move(url)), m_token(std::move(token))
{
    if (m_url.isEmpty())
        m_url = m_store.lastUrl();
    const QString theme = QSettings(m_store.settingsPath(), QSettings::IniFormat).value(u"console/theme"_s).toString();
    m_theme = isTheme(theme) ? theme : u"system"_s;
}

QVariantList ConsoleSettings::servers() const
{
    QVariantList list;
    for (const TokenStore::Server &server : m_store.servers())
        list.append(QVariantMap{{u"name"_s, server.name}, {u"url"_s, server.url}});
    return list;
}

void ConsoleSettings::setKeychainStatus(const QString &status)
{
    m_keychainStatus = status;
    Q_EMIT keychainStatusChanged();
}

void ConsoleSettings::remember(const QString &url, const QString &token, const QString &name)
{
    const QString server = url.trimmed();
    if (server.isEmpty())
        return;
    m_store.rememberServer(server, name.trimmed());
    Q_EMIT serversChanged();
    ++m_pending;
    setKeychainStatus(u"Saving the token in the system keychain…"_s);
    const auto done = [this, server, empty = token.isEmpty()](const QString &, const QString &error) {
        --m_pending;
        if (!error.isEmpty())
            setKeychainStatus(u"The token was not saved: %1. It is kept until the console closes."_s.arg(error));
        else
            setKeychainStatus(empty ? u"Server saved, without a token."_s : u"Server saved; its token is in the system keychain."_s);
        Q_EMIT remembered(server, error.isEmpty() && !empty);
    };
    if (token.isEmpty())
        m_store.deleteToken(server, this, done);
    else
        m_store.writeToken(server, token, this, done);
}

void ConsoleSettings::forget(const QString &url)
{
    ++m_pending;
    m_store.forgetServer(url, this, [this](const QString &, const QString &error) {
        --m_pending;
        setKeychainStatus(error.isEmpty() ? u"Server and token forgotten."_s : u"Server forgotten; "_s + error);
    });
    Q_EMIT serversChanged();
}

void ConsoleSettings::loadToken(const QString &url)
{
    const QString server = url.trimmed();
    ++m_pending;
    setKeychainStatus(u"Reading the token from the system keychain…"_s);
    m_store.readToken(server, this, [this, server](const QString &token, const QString &error) {
        --m_pending;
        if (!error.isEmpty())
            setKeychainStatus(u"No token read: %1."_s.arg(error));
        else
            setKeychainStatus(token.isEmpty() ? u"No token saved for this server."_s : u"Token read from the system keychain."_s);
        if (server == m_url && token != m_token) {
            m_token = token;
            Q_EMIT tokenChanged();
        }
        Q_EMIT tokenLoaded(server, token);
    });
}

void ConsoleSettings::setTheme(const QString &theme)
{
    if (!isTheme(theme) || theme == m_theme)
        return;
    m_theme = theme;
    QSettings(m_store.settingsPath(), QSettings::IniFormat).setValue(u"console/theme"_s, theme);
    Q_EMIT themeChanged();
}

bool ConsoleSettings::isTheme(const QString &theme)
{
    return theme == "system"_L1 || theme == "light"_L1 || theme == "dark"_L1;
}
