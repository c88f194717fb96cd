using Akka.Actor;
using Akka.Serialization;
using MessagePack;

namespace SelfPlayBN.Actors;

/// <summary>
/// The Akka serializer of every <see cref="IPipelineMessage"/>: MessagePack with integer keys, in untrusted-data
/// mode and without type names in the payload (no typeless resolver). The manifest is a short stable name per
/// message type plus a format version (<c>name/1</c>); an unknown manifest or a corrupt payload raises
/// <see cref="System.Runtime.Serialization.SerializationException"/> naming it, which Akka logs and drops.
/// </summary>
/// <remarks>
/// Format version 1. Adding a field at a new key is backward compatible (older readers ignore it, newer readers
/// see the default); removing or renumbering keys needs a new manifest version.
/// </remarks>
public sealed class PipelineSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka's id of this serializer (ids up to 40 are Akka's own).</summary>
    public const int Id = 4_171;

    /// <summary>The format version written into every manifest.</summary>
    public const int FormatVersion = 1;

    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Every message type of this assembly with its <see cref="WireNameAttribute"/>: each protocol's file names
    /// its own messages, and the serializer refers to none of them.</summary>
    private static readonly Dictionary<Type, string> Names = typeof(IPipelineMessage).Assembly.GetTypes()
        .Select(t => (Type: t, Attribute: t.GetCustomAttributes(typeof(WireNameAttribute), inherit: false).OfType<WireNameAttribute>().SingleOrDefault()))
        .Where(x => x.Attribute is not null)
        .ToDictionary(x => x.Type, x => x.Attribute!.Name);

    private static readonly Dictionary<string, Type> Types = Names.ToDictionary(p => $"{p.Value}/{FormatVersion}", p => p.Key);

    /// <summary>Every message type this serializer knows.</summary>
    public static IReadOnlyCollection<Type> KnownTypes => Names.Keys;

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        Names.TryGetValue(o.GetType(), out var name)
            ? $"{name}/{FormatVersion}"
            : throw new ArgumentException($"{o.GetType().FullName} is not a pipeline message known to {nameof(PipelineSerializer)}");

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        Manifest(obj); // rejects unknown types
        return MessagePackSerializer.Serialize(obj.GetType(), obj, Options);
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type))
            throw new System.Runtime.Serialization.SerializationException($"unknown pipeline message manifest '{manifest}'");
        try
        {
            return MessagePackSerializer.Deserialize(type, bytes, Options)
                ?? throw new System.Runtime.Serialization.SerializationException($"'{manifest}': empty payload");
        }
        catch (MessagePackSerializationException e)
        {
            throw new System.Runtime.Serialization.SerializationException($"corrupt '{manifest}' message ({bytes.Length} bytes): {e.Message}", e);
        }
    }

    /// <summary>The HOCON that binds <see cref="IPipelineMessage"/> to this serializer.</summary>
    public static string Hocon => $$"""
        akka.actor {
          serializers.selfplaybn = "{{typeof(PipelineSerializer).AssemblyQualifiedName}}"
          serialization-bindings."{{typeof(IPipelineMessage).AssemblyQualifiedName}}" = selfplaybn
          serialization-identifiers."{{typeof(PipelineSerializer).AssemblyQualifiedName}}" = {{Id}}
        }
        """;
}
