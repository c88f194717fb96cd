using SelfPlayBN.Trainer;

return Cli.Run(args, Console.Out, Console.Error);
