// One configuration for a Cortado node: network, TLS, HTTP and WebSocket limits, rate limits,
// allowed origins, the history-room cap, the data folder, storage and token settings.
//
// Sources, later ones winning: the defaults here < a configuration file (--config FILE or
// CORTADO_CONFIG; `key = value` lines) < CORTADO_* environment variables < command-line options. Every setting has both a variable and an option of the same name (CORTADO_MAX_BODY_SIZE
// is --max-body-size; CORTADO_REDIS_URL is --redis, as the issue names it), except secrets, which come from the environment or the file (a command line is
// visible to every user of the machine in ps). docs/configuration.md lists them all; tst_config
// keeps that table and settings() in step.
#pragma once

#include "auth/tokens.h"
#include "transport/server.h"

#include <QCommandLineParser>
#include <QHash>
#include <QList>
#include <QProcessEnvironment>
#include <QString>

#include <optional>

namespace cortado {

struct Config
{
    // Network, TLS, limits, origins, the history-room cap, and storage (fromArguments() always
    // sets server.storage: sqlite:<dataDirectory>/cortado.db unless --database-url says otherwise).
    ServerConfig server;
    // The data folder: the development JWT secret and, by default, the SQLite database.
    QString dataDirectory = QStringLiteral("cortado-data");
    auth::TokenSettings tokens; // resolved into keys by tokenConfig()
    // Where each set value came from, by variable: "option", "environment" or "file PATH:LINE"
    // (unset: the default).
    QHash<QString, QString> origins;

    // defaults < `environment` < `arguments` (options only, no program name; e.g.
    // {"--port", "0"}). std::nullopt with `error` naming the option or variable and what it must
    // be when a value is bad, an option unknown or an argument unexpected.
    static std::optional<Config> fromArguments(const QStringList &arguments,
                                               const QProcessEnvironment &environment,
                                               QString *error);
    static std::optional<Config> fromEnvironment(const QProcessEnvironment &environment,
                                                 QString *error)
    {
        return fromArguments({}, environment, error);
    }

    // For programs with options of their own (cortado::App, `cortado-server token`): every
    // setting's option on `parser`, then the settings from a parsed `parser` over `environment`.
    static void addOptions(QCommandLineParser &parser);
    static std::optional<Config> fromParser(const QCommandLineParser &parser,
                                            const QProcessEnvironment &environment,
                                            QString *error);

    // Every setting as a configuration file line with where it came from ("port = 9000 # file
    // /etc/cortado/cortado.conf:3"); secrets masked, URL passwords too (--check-config prints it).
    QString effectiveSettings() const;

    // The token keys: the configured secret or key files, or else the development secret kept in
    // dataDirectory (created there once; `notice` then says so).
    std::optional<auth::TokenConfig> tokenConfig(QString *error, QString *notice) const;

    // One row of docs/configuration.md.
    struct Setting
    {
        QString option; // "max-body-size"; empty for secrets (environment only)
        QString variable; // "CORTADO_MAX_BODY_SIZE"
        QString valueName; // "bytes"
        QString defaultValue; // as it would be written in the variable; empty: none
        QString meaning;
    };
    static QList<Setting> settings();
};

} // namespace cortado
