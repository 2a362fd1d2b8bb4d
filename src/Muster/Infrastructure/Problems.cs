using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Muster.Domain.Incidents;

namespace Muster.Infrastructure;

/// <summary>Every error the API gives is an RFC 9457 problem detail decided here.</summary>
public static class Problems
{
    /// <summary>400: one or more fields are wrong; each names what would be valid.</summary>
    public static IResult Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request has invalid fields.",
            detail: string.Join(" ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))));

    public static IResult NotFound(string what, string id) =>
        TypedResults.Problem(title: $"No such {what}.", detail: $"There is no {what} '{id}'.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>422: the request is well formed but refers to something that does not exist or cannot be used.</summary>
    public static IResult Unprocessable(string field, string message) =>
        TypedResults.Problem(title: "The request cannot be carried out.", detail: message, statusCode: StatusCodes.Status422UnprocessableEntity,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    public static IResult Conflict(string field, string message) =>
        TypedResults.Problem(title: "This is not allowed now.", detail: message, statusCode: StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    /// <summary>A field-by-field validator that collects every error before answering.</summary>
    public sealed class Errors
    {
        private readonly Dictionary<string, string[]> errors = [];

        public bool Any => errors.Count > 0;

        public Errors Check(bool ok, string field, string message)
        {
            if (!ok)
                errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
            return this;
        }

        public Errors Text(string? value, string field, int max, bool required = true)
        {
            if (required && string.IsNullOrWhiteSpace(value))
                return Check(false, field, $"{field} is required.");
            return Check(value is null || value.Length <= max, field, $"{field} is {value?.Length} characters long; at most {max} are allowed.");
        }

        public IResult Result() => Invalid(errors);

        /// <summary>Stops the request with a 400 listing every error, if there is any.</summary>
        public void ThrowIfAny()
        {
            if (Any)
                throw new RequestException(StatusCodes.Status400BadRequest, "The request has invalid fields.", errors);
        }
    }
}

/// <summary>A request that cannot be carried out, with the fields at fault; the API answers with a problem
/// detail and a page shows each message next to its field.</summary>
public sealed class RequestException(int status, string title, IDictionary<string, string[]> errors)
    : Exception(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public IDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>More members for the problem detail, such as each error's line and column in a plan.</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }

    public static RequestException NotFound(string what, string id) =>
        new(StatusCodes.Status404NotFound, $"No such {what}.", new Dictionary<string, string[]> { ["id"] = [$"There is no {what} '{id}'."] });

    public static RequestException Unprocessable(string field, string message) =>
        new(StatusCodes.Status422UnprocessableEntity, "The request cannot be carried out.", new Dictionary<string, string[]> { [field] = [message] });

    public static RequestException Invalid(string field, string message) =>
        new(StatusCodes.Status400BadRequest, "The request has invalid fields.", new Dictionary<string, string[]> { [field] = [message] });

    public static RequestException Conflict(string field, string message) =>
        new(StatusCodes.Status409Conflict, "This conflicts with what exists.", new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Turns exceptions into problem details: broken domain rules, malformed JSON.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, field) = exception switch
        {
            DomainException d => (StatusCodes.Status409Conflict, "This is not allowed now.", d.Message, d.Field),
            RequestException r => (r.Status, r.Title, r.Message, ""),
            DbUpdateConcurrencyException => (StatusCodes.Status409Conflict, "Someone else changed this meanwhile.",
                "The incident changed while you were acting on it; reload it and try again.", "updatedAt"),
            BadHttpRequestException { InnerException: JsonException json } => (StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.",
                $"{json.Message.Split(". Path:")[0]}. Check the value at '{JsonField(json.Path)}'.", JsonField(json.Path)),
            BadHttpRequestException bad => (bad.StatusCode, "The request is malformed.", bad.Message, "body"),
            _ => (0, "", "", ""),
        };
        if (status == 0)
            return false;
        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                Detail = detail,
                Extensions = { ["errors"] = exception is RequestException rejected ? rejected.Errors : new Dictionary<string, string[]> { [field] = [detail] } },
            },
        };
        if (exception is RequestException { Extensions: { } extensions })
            foreach (var (name, value) in extensions)
                context.ProblemDetails.Extensions[name] = value;
        return await problems.TryWriteAsync(context);
    }

    private static string JsonField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');
}
