namespace SelfPlayBN.Actors;

/// <summary>The stable name of a pipeline message on the wire (the manifest is <c>name/version</c>). Every
/// <see cref="IPipelineMessage"/> type carries one, and no two share a name.</summary>
/// <param name="name">The name: lower case words joined by hyphens.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WireNameAttribute(string name) : Attribute
{
    /// <summary>The name.</summary>
    public string Name { get; } = name;
}
