#include "tokenstore.h"

#include <QDir>
#include <QFile>
#include <QPointer>
#include <QSettings>

#include <qt6keychain/keychain.h>

using namespace Qt::StringLiterals;

namespace {

QString describe(QKeychain::Job *job)
{
    switch (job->error()) {
    case QKeychain::NoError:
    case QKeychain::EntryNotFound: return {};
    case QKeychain::NoBackendAvailable:
        return u"no system keychain (Secret Service: GNOME Keyring or KWallet) is available"_s;
    case QKeychain::AccessDeniedByUser: return u"access to the keychain was refused"_s;
    default: return u"keychain: "_s + job->errorString();
    }
}

// Runs `job` and calls `done` with what it read (or its error) on `context`.
void run(QKeychain::Job *job, QObject *context, TokenStore::Done done)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plain-text copy in a settings file
    QPointer<QObject> guard(context);
    QObject::connect(job, &QKeychain::Job::finished, context, [job, guard, done = std::move(done)] {
        if (!guard)
            return;
        const auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(job);
        const QString token = read && job->error() == QKeychain::NoError ? read->textData() : QString();
        done(token, describe(job));
    });
    job->start();
}

} // namespace

TokenStore::TokenStore(QString directory, QObject *parent) : QObject(parent), m_directory(std::move(directory))
{
    // The first console sealed the token into its settings under a key file beside them; both go
    // (the operator enters the token once more, and it lands in the keychain).
    QSettings settings(settingsPath(), QSettings::IniFormat);
    if (settings.contains(u"token"_s)) {
        if (!settings.contains(u"servers"_s) && settings.contains(u"url"_s))
            rememberServer(settings.value(u"url"_s).toString());
        settings.remove(u"token"_s);
        settings.remove(u"url"_s);
    }
    QFile::remove(QDir(m_directory).filePath(u"console.key"_s));
}

QString TokenStore::settingsPath() const
{
    return QDir(m_directory).filePath(u"console.ini"_s);
}

QList<TokenStore::Server> TokenStore::servers() const
{
    QSettings settings(settingsPath(), QSettings::IniFormat);
    QList<Server> servers;
    const int size = settings.beginReadArray(u"servers"_s);
    for (int i = 0; i < size; ++i) {
        settings.setArrayIndex(i);
        servers.append({settings.value(u"name"_s).toString(), settings.value(u"url"_s).toString()});
    }
    settings.endArray();
    return servers;
}

QString TokenStore::lastUrl() const
{
    const QList<Server> list = servers();
    return list.isEmpty() ? QString() : list.first().url;
}

void TokenStore::saveServers(const QList<Server> &servers)
{
    QDir().mkpath(m_directory);
    QSettings settings(settingsPath(), QSettings::IniFormat);
    settings.remove(u"servers"_s);
    settings.beginWriteArray(u"servers"_s, int(servers.size()));
    for (int i = 0; i < servers.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(u"name"_s, servers.at(i).name);
        settings.setValue(u"url"_s, servers.at(i).url);
    }
    settings.endArray();
}

void TokenStore::rememberServer(const QString &url, const QString &name)
{
    if (url.isEmpty())
        return;
    QList<Server> list = servers();
    QString kept = name;
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (list.at(i).url == url) {
            if (kept.isEmpty())
                kept = list.at(i).name;
            list.removeAt(i);
            break;
        }
    }
    list.prepend({kept.isEmpty() ? url : kept, url});
    while (list.size() > MaxServers) {
        deleteToken(list.last().url, this, [](const QString &, const QString &) { });
        list.removeLast();
    }
    saveServers(list);
}

void TokenStore::forgetServer(const QString &url, QObject *context, Done done)
{
    QList<Server> list = servers();
    list.removeIf([&url](const Server &server) { return server.url == url; });
    saveServers(list);
    deleteToken(url, context, std::move(done));
}

void TokenStore::readToken(const QString &url, QObject *context, Done done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(url);
    run(job, context, std::move(done));
}

void TokenStore::writeToken(const QString &url, const QString &token, QObject *context, Done done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setKey(url);
    job->setTextData(token);
    run(job, context, std::move(done));
}

void TokenStore::deleteToken(const QString &url, QObject *context, Done done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setKey(url);
    run(job, context, std::move(done));
}
