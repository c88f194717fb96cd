using SelfPlayBN.NativeFix;

return Cli.Run(args, Console.Out, Console.Error);
