#pragma once

#include "tokenstore.h"

#include <QObject>

// Remembered connection details, for the connect page (Main.qml's `settings`).
class ConsoleSettings : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url CONSTANT)
    Q_PROPERTY(QString token READ token CONSTANT)

public:
    ConsoleSettings(TokenStore &store, QString url, QString token)
        : m_store(store), m_url(std::move(url)), m_token(std::move(token)) { }
    QString url() const { return m_url; }
    QString token() const { return m_token; }
    Q_INVOKABLE void remember(const QString &url, const QString &token) { m_store.save(url, token); }

private:
    TokenStore &m_store;
    QString m_url, m_token;
};
