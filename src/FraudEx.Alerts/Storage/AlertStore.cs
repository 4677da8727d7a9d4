using System.Globalization;
using System.Text;
using FraudEx.Alerts.Internal;
using FraudEx.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace FraudEx.Alerts.Storage;

/// <summary>Alerts as cases: keyset listing, reading one with its decision, and workflow updates with optimistic
/// concurrency.</summary>
public sealed class AlertStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>Largest page ListAlerts returns.</summary>
    public const int MaxPageSize = 1000;
    /// <summary>Page size when the caller gives none.</summary>
    public const int DefaultPageSize = 100;
    /// <summary>Longest notes accepted, in characters.</summary>
    public const int MaxNotesLength = 4000;
    private const int MaxIdLength = 128;

    private PageTokens? _pageTokens;

    /// <summary>Lists alerts matching the filters, newest first, one keyset page at a time.</summary>
    public async Task<ListAlertsResponse> ListAsync(ListAlertsRequest request, CancellationToken cancellationToken)
    {
        ValidateList(request);
        var tokens = await GetPageTokensAsync(cancellationToken).ConfigureAwait(false);
        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;

        var sql = new StringBuilder($"SELECT {AlertRows.Columns} FROM alerts WHERE true");
        await using var command = dataSource.CreateCommand();
        void Filter(string clause, NpgsqlParameter parameter)
        {
            command.Parameters.Add(parameter);
            sql.Append(" AND ").Append(clause.Replace("@", "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        if (request.Status != AlertStatus.Unspecified)
        {
            Filter("status = @", new NpgsqlParameter<short> { TypedValue = (short)request.Status });
        }

        if (request.Decision != Decision.Unspecified)
        {
            Filter("decision = @", new NpgsqlParameter<short> { TypedValue = (short)request.Decision });
        }

        if (request.AccountId.Length > 0)
        {
            Filter("account_id = @", new NpgsqlParameter<string> { TypedValue = request.AccountId });
        }

        if (request.CreatedAfter is not null)
        {
            Filter("created_at >= @", TimeParameter(Timestamps.ToUtc(request.CreatedAfter)));
        }

        if (request.CreatedBefore is not null)
        {
            Filter("created_at < @", TimeParameter(Timestamps.ToUtc(request.CreatedBefore)));
        }

        if (request.MinScore > 0)
        {
            Filter("score >= @", new NpgsqlParameter<double> { TypedValue = request.MinScore });
        }

        if (request.PageToken.Length > 0)
        {
            if (!tokens.TryRead(request, request.PageToken, out var afterCreated, out var afterId))
            {
                throw AlertServiceException.Invalid([("page_token",
                    "is not a token returned by ListAlerts for these filters (tokens are bound to the filters they were made with)")]);
            }

            Filter("created_at <= @", TimeParameter(afterCreated));
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterId });
            // The row comparison walks the (created_at, alert_id) index; the plain bound above helps the planner.
            sql.Append(CultureInfo.InvariantCulture,
                $" AND (created_at, alert_id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY created_at DESC, alert_id DESC LIMIT {pageSize + 1}");
        command.CommandText = sql.ToString();

        var response = new ListAlertsResponse();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                response.Alerts.Add(AlertRows.Read(reader));
            }
        }

        if (response.Alerts.Count > pageSize)
        {
            response.Alerts.RemoveAt(pageSize);
            var last = response.Alerts[pageSize - 1];
            response.NextPageToken = tokens.Create(request, Timestamps.ToUtc(last.CreatedAt),
                long.Parse(last.AlertId, CultureInfo.InvariantCulture));
        }

        return response;
    }

    /// <summary>Reads one alert and the decision behind it.</summary>
    public async Task<GetAlertResponse> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        var id = ParseAlertId(alertId, "alert_id");
        await using var command = dataSource.CreateCommand(
            $"SELECT {AlertRows.Columns} FROM alerts WHERE alert_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        Alert alert;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new AlertServiceException(AlertError.NotFound, $"Alert {id} does not exist.");
            }

            alert = AlertRows.Read(reader);
        }

        var decision = await DecisionRows.SelectAsync(dataSource, alert.TransactionId, cancellationToken).ConfigureAwait(false);
        return new GetAlertResponse { Alert = alert, Decision = decision };
    }

    /// <summary>Reads alerts by id (for the live feed); unknown ids are left out.</summary>
    internal async Task<List<Alert>> GetManyAsync(IReadOnlyCollection<long> alertIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {AlertRows.Columns} FROM alerts WHERE alert_id = ANY($1) ORDER BY alert_id");
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. alertIds] });
        var alerts = new List<Alert>(alertIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            alerts.Add(AlertRows.Read(reader));
        }

        return alerts;
    }

    /// <summary>
    /// Changes status, assignee or notes. Refuses a stale <c>expected_version</c> (<see cref="AlertError.Conflict"/>)
    /// and moves the workflow does not allow (<see cref="AlertError.FailedPrecondition"/>). Confirming fraud or a false
    /// positive also records the matching label, in the same transaction, so it flows to the feature service.
    /// </summary>
    public async Task<Alert> UpdateAsync(UpdateAlertRequest request, CancellationToken cancellationToken)
    {
        var id = ValidateUpdate(request);
        var now = Timestamps.Truncate(timeProvider.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        Alert current;
        await using (var select = new NpgsqlCommand(
            $"SELECT {AlertRows.Columns} FROM alerts WHERE alert_id = $1 FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new AlertServiceException(AlertError.NotFound, $"Alert {id} does not exist.");
            }

            current = AlertRows.Read(reader);
        }

        if (current.Version != request.ExpectedVersion)
        {
            throw new AlertServiceException(AlertError.Conflict,
                $"Alert {id} is at version {current.Version}, not {request.ExpectedVersion}: read it again and retry.");
        }

        var status = request.Status == AlertStatus.Unspecified ? current.Status : request.Status;
        if (!AlertWorkflow.CanMove(current.Status, status))
        {
            throw new AlertServiceException(AlertError.FailedPrecondition, current.Status == AlertStatus.Closed
                ? $"Alert {id} is CLOSED and accepts no further changes."
                : $"Alert {id} cannot move from {current.Status} to {status}.");
        }

        Alert updated;
        await using (var update = new NpgsqlCommand($"""
            UPDATE alerts SET status = $2, assignee = $3, notes = $4, version = version + 1, updated_at = $5
            WHERE alert_id = $1 RETURNING {AlertRows.Columns}
            """, connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            update.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)status });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.HasAssignee ? request.Assignee : current.Assignee });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.HasNotes ? request.Notes : current.Notes });
            update.Parameters.Add(TimeParameter(now));
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            updated = AlertRows.Read(reader);
        }

        if (status != current.Status && status is AlertStatus.ConfirmedFraud or AlertStatus.FalsePositive)
        {
            var kind = status == AlertStatus.ConfirmedFraud ? LabelKind.ConfirmedFraud : LabelKind.FalsePositive;
            var source = updated.Assignee.Length > 0 ? "analyst:" + updated.Assignee : "alert-workflow";
            await LabelStore.InsertAsync(connection, transaction, updated.TransactionId, kind, source, now, now, cancellationToken)
                .ConfigureAwait(false);
        }

        await using (var hooks = new NpgsqlCommand("""
            INSERT INTO webhook_deliveries (subscription_id, alert_id, event_type, next_attempt_at, created_at)
            SELECT subscription_id, $1, 'alert.updated', $2, $2 FROM webhook_subscriptions
            WHERE active AND 'alert.updated' = ANY (event_types)
            """, connection, transaction))
        {
            hooks.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            hooks.Parameters.Add(TimeParameter(now));
            await hooks.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await AlertNotifications.NotifyAsync(connection, transaction, AlertEventType.Updated, [id], cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return updated;
    }

    internal static long ParseAlertId(string text, string field)
    {
        if (text.Length == 0)
        {
            throw AlertServiceException.Invalid([(field, "is required")]);
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            throw AlertServiceException.Invalid([(field, "must be a positive decimal alert id")]);
        }

        return id;
    }

    private async ValueTask<PageTokens> GetPageTokensAsync(CancellationToken cancellationToken) =>
        _pageTokens ??= new PageTokens(
            await ServiceSecrets.GetOrCreateAsync(dataSource, "page_token_key", cancellationToken).ConfigureAwait(false));

    private static NpgsqlParameter<DateTime> TimeParameter(DateTime value) =>
        new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static void ValidateList(ListAlertsRequest request)
    {
        var violations = new List<(string, string)>();
        if (!Enum.IsDefined(request.Status))
        {
            violations.Add(("status", "is not a known AlertStatus"));
        }

        if (request.Decision is not (Decision.Unspecified or Decision.Review or Decision.Decline))
        {
            violations.Add(("decision", "must be DECISION_REVIEW, DECISION_DECLINE or unspecified (only those open alerts)"));
        }

        if (request.AccountId.Length > MaxIdLength)
        {
            violations.Add(("account_id", $"must be at most {MaxIdLength} characters"));
        }

        if (!(request.MinScore >= 0 && request.MinScore <= 1))
        {
            violations.Add(("min_score", "must be in [0, 1]"));
        }

        if (request.PageSize is < 0 or > MaxPageSize)
        {
            violations.Add(("page_size", $"must be in 0..{MaxPageSize}"));
        }

        CheckTimestamp(request.CreatedAfter, "created_after", violations);
        CheckTimestamp(request.CreatedBefore, "created_before", violations);
        if (violations.Count == 0 && request.CreatedAfter is not null && request.CreatedBefore is not null
            && request.CreatedAfter.ToDateTime() >= request.CreatedBefore.ToDateTime())
        {
            violations.Add(("created_before", "must be later than created_after"));
        }

        if (violations.Count > 0)
        {
            throw AlertServiceException.Invalid(violations);
        }
    }

    private static long ValidateUpdate(UpdateAlertRequest request)
    {
        var violations = new List<(string, string)>();
        var id = 0L;
        try
        {
            id = ParseAlertId(request.AlertId, "alert_id");
        }
        catch (AlertServiceException e)
        {
            violations.AddRange(e.Violations);
        }

        if (request.ExpectedVersion <= 0)
        {
            violations.Add(("expected_version", "is required: the version of the alert as read"));
        }

        if (!Enum.IsDefined(request.Status))
        {
            violations.Add(("status", "is not a known AlertStatus"));
        }

        if (request.HasAssignee && request.Assignee.Length > MaxIdLength)
        {
            violations.Add(("assignee", $"must be at most {MaxIdLength} characters"));
        }

        if (request.HasNotes && request.Notes.Length > MaxNotesLength)
        {
            violations.Add(("notes", $"must be at most {MaxNotesLength} characters"));
        }

        if (request.Status == AlertStatus.Unspecified && !request.HasAssignee && !request.HasNotes)
        {
            violations.Add(("status", "nothing to change: give a status, an assignee or notes"));
        }

        if (violations.Count > 0)
        {
            throw AlertServiceException.Invalid(violations);
        }

        return id;
    }

    private static void CheckTimestamp(Google.Protobuf.WellKnownTypes.Timestamp? value, string field, List<(string, string)> violations)
    {
        if (value is not null && (value.Nanos is < 0 or > 999_999_999 || value.Seconds < -62135596800 || value.Seconds > 253402300799))
        {
            violations.Add((field, "is not a valid timestamp"));
        }
    }
}
