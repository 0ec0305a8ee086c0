#pragma once

#include <QAbstractListModel>
#include <QJsonArray>

// A room's stored messages as the console's history browser pages through them (admin:history):
// newest first, each older page appended at the end. Bounded: at most MaxRows rows; beyond, the
// browser stops offering older pages (hasOlder is false) rather than growing without end.
class HistoryModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    static constexpr int MaxRows = 5000;
    enum Role { OffsetRole = Qt::UserRole + 1, TimeRole, EventRole, PayloadRole, SizeRole };
    Q_ENUM(Role)

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void clear();
    // Appends an older page (rows newest first, as admin:history sends them); false when full.
    bool appendOlder(const QJsonArray &rows);
    bool full() const { return m_rows.size() >= MaxRows; }

Q_SIGNALS:
    void countChanged();

private:
    struct Row
    {
        qint64 offset = 0, timeMs = 0, size = 0;
        QString event, payload; // payload as compact JSON
    };
    QList<Row> m_rows;
};
