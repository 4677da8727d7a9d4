namespace FraudEx.Alerts.Webhooks;

/// <summary>Webhook delivery settings (configuration section "Alerts:Webhooks").</summary>
public sealed class WebhookOptions
{
    /// <summary>Subscriptions to create at start-up if missing (URL, secret, event types).</summary>
    public List<WebhookSubscriptionOptions> Subscriptions { get; set; } = [];

    /// <summary>Delay before the first retry; doubles per failed attempt, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest delay between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts before a delivery is marked failed.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Time allowed for one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries sent concurrently by one replica.</summary>
    public int MaxConcurrency { get; set; } = 8;
}

/// <summary>One configured subscription.</summary>
public sealed class WebhookSubscriptionOptions
{
    public string Url { get; set; } = "";

    public string Secret { get; set; } = "";

    /// <summary>"alert.created" and/or "alert.updated".</summary>
    public List<string> EventTypes { get; set; } = [WebhookSubscriptions.AlertCreated];
}
