#pragma once

#include "tokenstore.h"

#include <QObject>
#include <QSettings>

// Remembered connection details, for the connect page (Main.qml's `settings`), and the look:
// "system" (follow the desktop), "light" or "dark", kept in the console's settings file.
class ConsoleSettings : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url CONSTANT)
    Q_PROPERTY(QString token READ token CONSTANT)
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)

public:
    ConsoleSettings(TokenStore &store, QString url, QString token)
        : m_store(store), m_url(std::move(url)), m_token(std::move(token))
    {
        const QString theme = QSettings(m_store.settingsPath(), QSettings::IniFormat).value(QStringLiteral("console/theme")).toString();
        m_theme = isTheme(theme) ? theme : QStringLiteral("system");
    }
    QString url() const { return m_url; }
    QString token() const { return m_token; }
    Q_INVOKABLE void remember(const QString &url, const QString &token) { m_store.save(url, token); }

    QString theme() const { return m_theme; }
    void setTheme(const QString &theme)
    {
        if (!isTheme(theme) || theme == m_theme)
            return;
        m_theme = theme;
        QSettings(m_store.settingsPath(), QSettings::IniFormat).setValue(QStringLiteral("console/theme"), theme);
        Q_EMIT themeChanged();
    }
    static bool isTheme(const QString &theme)
    {
        return theme == QStringLiteral("system") || theme == QStringLiteral("light") || theme == QStringLiteral("dark");
    }

Q_SIGNALS:
    void themeChanged();

private:
    TokenStore &m_store;
    QString m_url, m_token, m_theme;
};
