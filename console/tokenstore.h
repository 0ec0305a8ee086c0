#pragma once

#include <QString>

// Remembers the console's server URL and token. The token is never written in plain text: it is
// sealed with AES-256-GCM under a random key kept in its own owner-only file, so the settings file
// alone (synced, backed up, pasted into a bug report) does not give it away.
class TokenStore
{
public:
    explicit TokenStore(QString directory); // where the key and the settings live
    void save(const QString &url, const QString &token);
    QString url() const;
    QString token() const; // empty when none was saved or it cannot be opened
    QString settingsPath() const;

private:
    QByteArray key(bool create) const;
    QString m_directory;
};
