namespace SelfPlayBN.Trainer.Setup;

/// <summary>Bad input from the user (arguments, files, configs): reported as one line, exit code 2.</summary>
internal sealed class UserInputException(string message) : Exception(message);
