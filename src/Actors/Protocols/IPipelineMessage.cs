namespace SelfPlayBN.Actors;

/// <summary>Marks every message of the training pipeline: all go through <see cref="PipelineSerializer"/>
/// (MessagePack, a documented, versioned format). Messages are immutable and carry data only — never a tensor, a
/// module or an actor reference (replies go to the sender).</summary>
public interface IPipelineMessage;
