#pragma once

#include <QAbstractListModel>
#include <QSet>

// A list model that shows one page the server computed (admin:query, admin:page). A new page is
// applied row by row — removes, moves, inserts, changes — never as a reset, so that views keep
// their delegates, scroll position and selection while the page refreshes several times a second.
class PagedListModel : public QAbstractListModel
{
public:
    using QAbstractListModel::QAbstractListModel;

protected:
    // Makes `rows` equal to `next`; `key(row)` identifies a row (unique within a page). At most a
    // page (500 rows) each time: the quadratic search below stays under a millisecond.
    template <typename Row, typename Key>
    void syncRows(QList<Row> &rows, const QList<Row> &next, Key key)
    {
        QSet<QString> keep;
        for (const Row &row : next)
            keep.insert(key(row));
        for (qsizetype i = rows.size() - 1; i >= 0; --i) {
            if (keep.contains(key(rows.at(i))))
                continue;
            beginRemoveRows({}, int(i), int(i));
            rows.removeAt(i);
            endRemoveRows();
        }
        // Now every row is on the next page: put each in its place, inserting the new ones.
        for (qsizetype i = 0; i < next.size(); ++i) {
            const QString wanted = key(next.at(i));
            if (i >= rows.size() || key(rows.at(i)) != wanted) {
                qsizetype from = -1;
                for (qsizetype j = i + 1; j < rows.size() && from < 0; ++j) {
                    if (key(rows.at(j)) == wanted)
                        from = j;
                }
                if (from < 0) {
                    beginInsertRows({}, int(i), int(i));
                    rows.insert(i, next.at(i));
                    endInsertRows();
                    continue;
                }
                beginMoveRows({}, int(from), int(from), {}, int(i));
                rows.move(from, i);
                endMoveRows();
            }
            if (!(rows.at(i) == next.at(i))) {
                rows[i] = next.at(i);
                Q_EMIT dataChanged(index(int(i)), index(int(i)));
            }
        }
    }
};
