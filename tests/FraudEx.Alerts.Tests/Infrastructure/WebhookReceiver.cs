using System.Collections.Concurrent;
using System.Net;
using FraudEx.Testing;

namespace FraudEx.Alerts.Tests.Infrastructure;

/// <summary>A webhook receiver on 127.0.0.1 (HttpListener): records every request and answers with the status codes
/// it is told to, in order (then 200).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<HttpStatusCode> _answers;
    private readonly Task _loop;

    public WebhookReceiver(params HttpStatusCode[] answers)
    {
        _answers = new ConcurrentQueue<HttpStatusCode>(answers);
        Port = FreePort.Next();
        Url = $"http://127.0.0.1:{Port}/hooks/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url { get; }

    public ConcurrentQueue<Received> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var status = _answers.TryDequeue(out var answer) ? answer : HttpStatusCode.OK;
            Requests.Enqueue(new Received(
                context.Request.Headers["FraudEx-Signature"], context.Request.Headers["FraudEx-Delivery"], body.ToArray(),
                DateTimeOffset.UtcNow, status));
            context.Response.StatusCode = (int)status;
            context.Response.Close();
        }
    }

    public sealed record Received(string? Signature, string? DeliveryId, byte[] Body, DateTimeOffset At, HttpStatusCode Answer);
}
